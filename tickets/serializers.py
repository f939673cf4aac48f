"""JSON:API shape of a ticket. Whether it may carry a code is decided in the rules, not here."""

from rest_framework_json_api import serializers

from discounts.models import DiscountCode
from eventsite.access import manages, scope_to_managed
from eventsite.api.exceptions import DocumentError, DocumentProblem
from eventsite.api.fields import AwareDateTimeField, MoneyField
from eventsite.api.relations import ScopedResourceRelatedField, TypedResourceRelatedField, parse_id
from eventsite.api.serializers import CompiledReadMixin
from eventsite.models import Event

from .models import Ticket, TicketType

#: Members only the event's organizers (and admins) see: which code a ticket has, and how many are sold.
MANAGER_MEMBERS = ("discount_code", "discount_code_id", "sold_count")


class TicketSerializer(CompiledReadMixin, serializers.ModelSerializer):
    ticket_type = serializers.ChoiceField(source="type", choices=TicketType.choices)
    price = MoneyField(required=False)
    min_price = MoneyField(required=False)
    max_price = MoneyField(required=False, allow_null=True)
    sales_starts_at = AwareDateTimeField(required=False, allow_null=True)
    sales_ends_at = AwareDateTimeField(required=False, allow_null=True)
    discount_code_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**63 - 1)
    event = TypedResourceRelatedField(queryset=Event.objects.all())
    discount_code = ScopedResourceRelatedField(
        queryset=DiscountCode.objects.all(), scope=scope_to_managed, required=False, allow_null=True
    )

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
            "discount_code_id",
            "event",
            "discount_code",
        )
        read_only_fields = ("created_at", "sold_count")
        validators = []  # name uniqueness is a rule (409), checked in tickets.rules

    class JSONAPIMeta:
        resource_name = "ticket"

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not manages(request, instance.event_id):
            for member in MANAGER_MEMBERS:
                data.pop(member, None)
        return data

    def validate(self, attrs):
        """Both ``discount-code-id`` and the ``discount-code`` relationship name the code; they must agree."""
        if "discount_code_id" in attrs:
            raw = attrs.pop("discount_code_id")
            code = None
            if raw is not None:
                pk = parse_id(raw)
                code = scope_to_managed(DiscountCode.objects.all(), self.context["request"]).filter(pk=pk).first()
                if code is None:
                    raise DocumentError(
                        DocumentProblem(
                            "/data/attributes/discount-code-id",
                            f"There is no discount-code with id {raw}.",
                            "not_found",
                            404,
                        )
                    )
            if "discount_code" in attrs and attrs["discount_code"] != code:
                raise serializers.ValidationError(
                    {"discount_code_id": "discount-code-id and the discount-code relationship name different codes."}
                )
            attrs["discount_code"] = code
        return attrs
