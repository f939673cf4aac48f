"""Order shapes: the lines a buyer asks for (shared by the quote and orders), and the order resource."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers as drf
from rest_framework_json_api import serializers

from discounts.rules import CODE_TOO_LONG, MAX_CODE_LENGTH
from eventsite.api.documents import StrictKeysMixin
from eventsite.api.fields import MoneyField
from eventsite.api.relations import LinkField, parse_id

from .models import Order, OrderStatus
from .pricing import Quote
from .rules import LineInput


@extend_schema_field(OpenApiTypes.STR)
class TicketIdField(drf.Field):
    """A ticket id as JSON:API ids are: a numeric string (a number is accepted too)."""

    default_error_messages = {"invalid": 'A ticket id is a numeric string, e.g. "12".'}

    def to_internal_value(self, data):
        pk = parse_id(data)
        if pk is None:
            self.fail("invalid")
        return pk

    def to_representation(self, value):
        return str(value)


class LineSerializer(StrictKeysMixin, drf.Serializer):
    id = TicketIdField()
    quantity = drf.IntegerField(min_value=1, max_value=10_000)
    price = MoneyField(required=False, min_value=0)


def to_line(data: dict) -> LineInput:
    return LineInput(data["id"], data["quantity"], data.get("price"))


class QuoteRequestSerializer(StrictKeysMixin, drf.Serializer):
    """``{"tickets": [{"id", "quantity", "price"?}], "discount-code"?: str, "discount-code-id"?: str}``."""

    extra_keys = ("discount-code", "discount-code-id")
    tickets = LineSerializer(many=True, allow_empty=False, max_length=100)

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise drf.ValidationError({"non_field_errors": ["Send a JSON object."]})
        values = super().to_internal_value(data)
        code, code_id = data.get("discount-code"), data.get("discount-code-id")
        if code is not None and not isinstance(code, str):
            raise drf.ValidationError({"discount-code": ["A discount code is a string."]})
        if code_id is not None and parse_id(code_id) is None:
            raise drf.ValidationError({"discount-code-id": ["A discount code id is a numeric string."]})
        values["code"] = code or None
        values["code_id"] = parse_id(code_id) if code_id is not None else None
        values["lines"] = [to_line(line) for line in values.pop("tickets")]
        return values


def quote_document(quote: Quote, problems: list[dict]) -> dict:
    return {
        "currency": quote.currency,
        "sub-total": str(quote.sub_total),
        "discount": str(quote.discount),
        "total": str(quote.total),
        "tickets": [
            {
                "id": str(line.ticket.pk),
                "name": line.ticket.name,
                "price": str(line.unit_price),
                "quantity": line.quantity,
                "sub-total": str(line.sub_total),
                "discount": None
                if line.discount is None
                else {
                    "code": line.discount.code,
                    "discount-type": line.discount.discount_type,
                    "amount": str(line.discount.amount),
                    "quantity": line.discount.quantity,
                    "total": str(line.discount.total),
                },
                "total": str(line.total),
            }
            for line in quote.lines
        ],
        "errors": problems,
    }


class OrderSerializer(serializers.ModelSerializer):
    """An order as a JSON:API resource. Writable only on creation (``tickets`` and ``code``); the status
    can then change to ``cancelled``."""

    tickets = LineSerializer(many=True, write_only=True, allow_empty=False, max_length=100)
    code = drf.CharField(
        max_length=MAX_CODE_LENGTH, required=False, allow_blank=True, error_messages={"max_length": CODE_TOO_LONG}
    )
    status = drf.ChoiceField(choices=OrderStatus.choices, required=False)
    sub_total = MoneyField(read_only=True)
    discount = MoneyField(read_only=True)
    amount = MoneyField(read_only=True)
    lines = drf.SerializerMethodField()
    event = LinkField(read_only=True, resource_type="event")
    buyer = LinkField(read_only=True, resource_type="user")
    discount_code = LinkField(read_only=True, resource_type="discount-code")

    class Meta:
        model = Order
        fields = (
            "status",
            "currency",
            "sub_total",
            "discount",
            "amount",
            "code",
            "tickets",
            "lines",
            "created_at",
            "cancelled_at",
            "event",
            "buyer",
            "discount_code",
        )
        read_only_fields = ("currency", "created_at", "cancelled_at")

    class JSONAPIMeta:
        resource_name = "order"

    def get_lines(self, order) -> list[dict]:
        return [
            {
                "ticket": str(line.ticket_id),
                "name": line.ticket_name,
                "quantity": line.quantity,
                "unit-price": str(line.unit_price),
                "discounted-quantity": line.discounted_quantity,
                "discount-per-unit": str(line.unit_discount),
                "sub-total": str(line.sub_total),
                "discount": str(line.discount),
                "total": str(line.total),
            }
            for line in order.lines.all()
        ]
