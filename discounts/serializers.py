"""JSON:API shapes of discount codes: the organizers' full view and the public check's few fields."""

from drf_spectacular.utils import extend_schema_field
from rest_framework_json_api import serializers
from rest_framework_json_api.relations import (
    ManySerializerMethodResourceRelatedField,
    SerializerMethodResourceRelatedField,
)
from rest_framework_json_api.utils import get_resource_type_from_model

from eventsite.access import scope_to_managed
from eventsite.api.fields import AwareDateTimeField, MoneyField
from eventsite.api.relations import LinkField, ScopedResourceRelatedField, TypedResourceRelatedField
from eventsite.api.serializers import CompiledReadMixin
from eventsite.models import Event
from tickets.models import Ticket

from .models import LIMIT_FIELDS, DiscountCode, DiscountType


class DiscountCodeSerializer(CompiledReadMixin, serializers.ModelSerializer):
    # The text's rules (length included) are the rules module's, with its messages (``rules.code_text_problems``).
    code = serializers.CharField(trim_whitespace=False)
    discount_type = serializers.ChoiceField(source="type", choices=DiscountType.choices)
    value = MoneyField()
    # What the code is for is checked by the rules (one message for missing and wrong values).
    used_for = serializers.CharField(required=False, allow_blank=True)
    valid_from = AwareDateTimeField(required=False)
    valid_till = AwareDateTimeField(required=False, allow_null=True)
    used_count = serializers.IntegerField(read_only=True)
    event = TypedResourceRelatedField(queryset=Event.objects.all())
    tickets = ScopedResourceRelatedField(
        queryset=Ticket.objects.all(), scope=scope_to_managed, many=True, required=False
    )
    marketer = LinkField(read_only=True, resource_type="user")

    included_serializers = {
        "event": "eventsite.serializers.EventSerializer",
        "tickets": "tickets.serializers.TicketSerializer",
    }

    class Meta:
        model = DiscountCode
        fields = (
            "code",
            "discount_url",
            "value",
            "discount_type",
            "is_active",
            *LIMIT_FIELDS,
            "used_for",
            "created_at",
            "used_count",
            "event",
            "tickets",
            "marketer",
        )
        read_only_fields = ("created_at",)
        validators = []  # uniqueness is a rule (409), checked in discounts.rules

    class JSONAPIMeta:
        resource_name = "discount-code"


@extend_schema_field(
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"type": {"type": "string", "enum": ["ticket"]}, "id": {"type": "string"}},
        },
    }
)
class ApplicableTicketsLinkage(ManySerializerMethodResourceRelatedField):
    def to_representation(self, value):
        """The tickets' ids (``get_tickets``) as the stock field writes tickets: it asks every ticket for its type
        (a walk through the serializers, then the model's ``JSONAPIMeta``), which is the model's, the same for
        all (the public check lists up to an event's tickets); no ticket instance is needed for an id."""
        resource_type = get_resource_type_from_model(self.child_relation.model)
        return [{"type": resource_type, "id": str(pk)} for pk in value]


class ApplicableTicketsField(SerializerMethodResourceRelatedField):
    """The tickets a code applies to, worked out by the rules (attached ones, or the event's paid ones)."""

    many_cls = ApplicableTicketsLinkage


class PublicDiscountCodeSerializer(CompiledReadMixin, serializers.ModelSerializer):
    """What a buyer's front end learns when someone types a code: its terms and the tickets it applies to.

    ``code`` is the text the buyer typed (``context["code_text"]``), not the stored spelling they did not send."""

    code = serializers.SerializerMethodField()
    discount_type = serializers.ChoiceField(source="type", choices=DiscountType.choices, read_only=True)
    value = MoneyField(read_only=True)
    tickets = ApplicableTicketsField(model=Ticket, many=True, read_only=True, method_name="get_tickets")

    class Meta:
        model = DiscountCode
        fields = (
            "code",
            "value",
            "discount_type",
            "used_for",
            "min_quantity",
            "max_quantity",
            "valid_from",
            "valid_till",
            "tickets",
        )

    class JSONAPIMeta:
        resource_name = "discount-code"

    def get_code(self, code) -> str:
        return self.context["code_text"]

    def get_tickets(self, code) -> list[int]:
        return self.context["applicable_tickets"]
