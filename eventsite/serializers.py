"""JSON:API shapes of users, events and organizer invitations. Validation of meaning lives in ``eventsite.rules``."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import EmailValidator as DjangoEmailValidator
from rest_framework_json_api import serializers

from .addresses import MAX_LENGTH, AddressValidator, canonical_email
from .api.fields import AwareDateTimeField
from .api.relations import LinkField, TypedResourceRelatedField
from .api.serializers import CompiledReadMixin
from .models import Event, InvitationStatus, OrganizerInvitation, User


class EmailAddressField(serializers.EmailField):
    """An address in its stored form (``eventsite.addresses``: NFKC, domain lower-cased), checked after that: a
    Kelvin sign in ``\u212aelvin@example.org`` is a ``K``. Uniqueness is the rules' (a 409), not a validator's."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, DjangoEmailValidator)]
        self.validators.append(AddressValidator(message=self.error_messages["invalid"]))

    def to_internal_value(self, data):
        return canonical_email(super().to_internal_value(data))


class UserSerializer(serializers.ModelSerializer):
    email = EmailAddressField()
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ("email", "password", "first_name", "last_name", "date_joined", "email_verified_at")
        read_only_fields = ("date_joined", "email_verified_at")

    class JSONAPIMeta:
        resource_name = "user"

    def validate_password(self, value: str) -> str:
        candidate = User(email=self.initial_data.get("email", ""))
        try:
            validate_password(value, candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from error
        return value


class EventSerializer(CompiledReadMixin, serializers.ModelSerializer):
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    owner = LinkField(read_only=True, resource_type="user")

    class Meta:
        model = Event
        fields = (
            "name",
            "identifier",
            "description",
            "starts_at",
            "ends_at",
            "timezone",
            "payment_currency",
            "created_at",
            "owner",
        )
        read_only_fields = ("identifier", "created_at")
        # Checked by the rules of events, with their messages whatever the length (``EURO``: not a currency code).
        extra_kwargs = {
            "timezone": {"validators": [], "max_length": None},
            "payment_currency": {"validators": [], "max_length": None},
        }

    class JSONAPIMeta:
        resource_name = "event"


class OrganizerInvitationSerializer(CompiledReadMixin, serializers.ModelSerializer):
    """``email`` is set when inviting and fixed afterwards; ``status`` is how the invitation is answered."""

    email = EmailAddressField()
    status = serializers.ChoiceField(choices=InvitationStatus.choices, required=False)
    event = TypedResourceRelatedField(read_only=True)

    included_serializers = {"event": "eventsite.serializers.EventSerializer"}

    class Meta:
        model = OrganizerInvitation
        fields = ("email", "status", "created_at", "responded_at", "event")
        read_only_fields = ("created_at", "responded_at")

    class JSONAPIMeta:
        resource_name = "organizer-invitation"
