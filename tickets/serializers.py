"""JSON:API shape of a ticket. Whether it may carry a code is decided in the rules, not here."""

from rest_framework_json_api import serializers

from eventsite.access import manages, scope_to_managed
from eventsite.api.fields import AwareDateTimeField, MoneyField
from eventsite.api.relations import ScopedResourceRelatedField, TypedResourceRelatedField
from eventsite.api.serializers import CompiledReadMixin
from eventsite.models import Event

from .models import Ticket, TicketType

#: Members only the event's organizers (and admins) see: which code a ticket has, and how many are sold.
MANAGER_MEMBERS = ("discount_code", "sold_count")

#: A ticket's code is set one way from the ticket's side, JSON:API linkage: the ``discount-code`` relationship in
#: the resource, or ``/v1/tickets/{id}/relationships/discount-code``. The attribute that once did it too is refused.
CODE_ID_ATTRIBUTE_REFUSED = (
    "A ticket's code is its discount-code relationship, not an attribute: send "
    '"relationships": {"discount-code": {"data": {"type": "discount-code", "id": "…"}}} (null detaches), '
    "or PATCH /v1/tickets/{id}/relationships/discount-code."
)


class TicketSerializer(CompiledReadMixin, serializers.ModelSerializer):
    ticket_type = serializers.ChoiceField(source="type", choices=TicketType.choices)
    price = MoneyField(required=False)
    min_price = MoneyField(required=False)
    max_price = MoneyField(required=False, allow_null=True)
    sales_starts_at = AwareDateTimeField(required=False, allow_null=True)
    sales_ends_at = AwareDateTimeField(required=False, allow_null=True)
    event = TypedResourceRelatedField(queryset=Event.objects.all())
    # ``discount_code`` is built from the model's foreign key (any code, as far as this app knows; a code is the
    # discounts app's, which builds on tickets), scoped to the codes of the requester's events.
    serializer_related_field = ScopedResourceRelatedField

    #: Members only the organizers of the ticket's event see: left out here (``to_representation``) and by the
    #: document builder (``eventsite.api.rows``) for everyone else.
    manager_members = MANAGER_MEMBERS

    #: Members the resource no longer has, refused with a detail that says what to send instead.
    refused_members = {"discount_code_id": CODE_ID_ATTRIBUTE_REFUSED}

    included_serializers = {
        "event": "eventsite.serializers.EventSerializer",
        "discount_code": "discounts.serializers.DiscountCodeSerializer",
    }

    class Meta:
        model = Ticket
        fields = (
            "name",
            "description",
            "ticket_type",
            "price",
            "quantity",
            "sold_count",
            "min_price",
            "max_price",
            "position",
            "min_order",
            "max_order",
            "sales_starts_at",
            "sales_ends_at",
            "is_hidden",
            "created_at",
            "event",
            "discount_code",
        )
        read_only_fields = ("created_at", "sold_count")
        extra_kwargs = {"discount_code": {"scope": scope_to_managed, "required": False, "allow_null": True}}
        validators = []  # name uniqueness is a rule (409), checked in tickets.rules

    class JSONAPIMeta:
        resource_name = "ticket"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not manages(request, instance.event_id):
            for member in self.manager_members:
                data.pop(member, None)
        return data
