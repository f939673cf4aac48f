"""API of the campaign tools: generate codes in bulk, and the read-only reports of codes (from orders).

- ``POST /v1/events/{id}/code-generations``: a JSON:API document of type ``code-generation`` (how many codes,
  their shape, their shared terms); answers 201 with the new codes as sparse ``discount-code`` resources.
  Not under ``/events/{id}/discount-codes/…``, where a path segment is a code (the public check).
- ``GET /v1/discount-codes/{id}/report``: one code's figures, per ticket and per day.
- ``GET /v1/events/{id}/discount-code-report``: the event's codes ranked by use, paginated.

Organizers of the event only: anonymous 401; a code of an event one does not manage is 404; an event one does
not manage is 403 (events are public), as for ``/v1/events/{id}/discount-codes``.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, renderers, status
from rest_framework import serializers as drf
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework_json_api import serializers
from rest_framework_json_api.relations import ResourceRelatedField

from eventsite.access import manages, scope_to_managed
from eventsite.api.fields import AwareDateTimeField, MoneyField
from eventsite.api.pagination import PageNumberPagination
from eventsite.api.permissions import ManagersOnly
from eventsite.api.relations import ScopedResourceRelatedField
from eventsite.api.views import StrictQueryMixin
from eventsite.models import Event
from tickets.models import Ticket

from . import campaigns, reports
from .models import DiscountCode, DiscountType, UsedFor
from .serializers import managed_tickets


class DocumentRenderer(renderers.JSONRenderer):
    """Writes a JSON:API document the view built itself (these resources have no model of their own)."""

    media_type = "application/vnd.api+json"
    format = "vnd.api+json"


class CodeGenerationSerializer(serializers.Serializer):
    count = drf.IntegerField(min_value=1)
    # Bounded by the generation's rules (campaigns.LENGTH_OUT_OF_RANGE, the code text rules), with their messages.
    prefix = drf.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)
    length = drf.IntegerField(required=False, default=campaigns.DEFAULT_LENGTH)
    alphabet = drf.CharField(required=False, default=campaigns.DEFAULT_ALPHABET, trim_whitespace=False)
    discount_type = drf.ChoiceField(source="type", choices=DiscountType.choices)
    value = MoneyField()
    used_for = drf.CharField(required=False, default=UsedFor.EVENT, allow_blank=True)
    is_active = drf.BooleanField(required=False, default=True)
    discount_url = drf.URLField(required=False, default="", allow_blank=True, max_length=500)
    tickets_number = drf.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    min_quantity = drf.IntegerField(required=False, default=1, min_value=0)
    max_quantity = drf.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    valid_from = AwareDateTimeField(required=False)
    valid_till = AwareDateTimeField(required=False, allow_null=True, default=None)
    tickets = ScopedResourceRelatedField(
        queryset=Ticket.objects.all(), scope=managed_tickets, many=True, required=False
    )

    class Meta:  # documented as a JSON:API resource (drf-spectacular-jsonapi reads Meta.resource_name)
        resource_name = "code-generation"

    class JSONAPIMeta:
        resource_name = "code-generation"


def money(value) -> str:
    return f"{value:.2f}"


def code_identifier(pk: int) -> dict:
    return {"type": "discount-code", "id": str(pk)}


GENERATED = {  # the document the view writes (a raw schema: drf-spectacular-jsonapi would wrap a serializer again)
    "type": "object",
    "required": ["data", "meta"],
    "properties": {
        "data": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "attributes"],
                "properties": {
                    "type": {"type": "string", "enum": ["discount-code"]},
                    "id": {"type": "string"},
                    "attributes": {"type": "object", "properties": {"code": {"type": "string"}}},
                },
            },
        },
        "meta": {"type": "object", "required": ["count"], "properties": {"count": {"type": "integer"}}},
    },
}


@extend_schema(
    request=CodeGenerationSerializer,
    responses={
        201: OpenApiResponse(GENERATED, description="The new codes, as sparse discount-code resources"),
        403: OpenApiResponse(description="Not an organizer of the event"),
        409: OpenApiResponse(description="Too few free codes of this shape, or a clash with concurrent codes"),
        422: OpenApiResponse(description="A rule refused the generation (pointers name the member)"),
    },
)
class CodeGenerationView(GenericAPIView):
    """``POST /v1/events/{event_pk}/code-generations``: up to 10,000 codes with the same terms, all or nothing."""

    permission_classes = [ManagersOnly]
    serializer_class = CodeGenerationSerializer
    renderer_classes = [DocumentRenderer]
    resource_name = "code-generation"
    queryset = DiscountCode.objects.none()

    def post(self, request, event_pk: int):
        event = get_object_or_404(Event, pk=event_pk)
        if not manages(request, event.pk):
            raise exceptions.PermissionDenied("Only the event's organizers generate its discount codes.")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        options = {name: data.pop(name) for name in ("count", "prefix", "length", "alphabet")}
        tickets = data.pop("tickets", [])
        codes = campaigns.generate_codes(event=event, tickets=tickets, marketer=request.user, **options, **data)
        body = {
            "data": [code_identifier(c.pk) | {"attributes": {"code": c.code}} for c in codes],
            "meta": {"count": len(codes)},
        }
        return Response(body, status=status.HTTP_201_CREATED)


class DasherizedMembers:
    """Describes to the schema the dasherized members the report views write inside attributes too."""

    def get_fields(self):
        return {name.replace("_", "-"): field for name, field in super().get_fields().items()}


class TicketFiguresSerializer(DasherizedMembers, drf.Serializer):
    """One ticket's figures in a code's report."""

    ticket = drf.CharField()
    name = drf.CharField()
    applies = drf.BooleanField()
    uses = drf.IntegerField()
    sold = drf.IntegerField()
    discount_given = MoneyField()
    revenue = MoneyField()


class DayUsesSerializer(drf.Serializer):
    """Uses of a code on one day (the event's time zone)."""

    date = drf.DateField()
    uses = drf.IntegerField()


@extend_schema_field(OpenApiTypes.STR)
class ReportedCode(ResourceRelatedField):
    """The report's ``discount-code`` relationship, described to the schema (ids are strings)."""


class CodeReportSerializer(drf.Serializer):
    """Describes the report resources to the schema (the views build the documents themselves)."""

    rank = drf.IntegerField(required=False, help_text="Only in the event's ranking")
    code = drf.CharField()
    currency = drf.CharField(required=False)
    limit = drf.IntegerField(allow_null=True)
    uses = drf.IntegerField()
    remaining = drf.IntegerField(allow_null=True)
    orders = drf.IntegerField()
    discount_given = MoneyField()
    revenue = MoneyField()
    tickets = TicketFiguresSerializer(many=True, required=False, help_text="Only in one code's report")
    uses_per_day = DayUsesSerializer(many=True, required=False, help_text="Only in one code's report")
    discount_code = ReportedCode(read_only=True, model=DiscountCode)

    class Meta:  # documented as a JSON:API resource (drf-spectacular-jsonapi reads Meta.resource_name)
        resource_name = "discount-code-report"

    class JSONAPIMeta:
        resource_name = "discount-code-report"


@extend_schema(
    responses={200: CodeReportSerializer(), 404: OpenApiResponse(description="No such code among the requester's")}
)
class CodeReportView(StrictQueryMixin, GenericAPIView):
    """``GET /v1/discount-codes/{id}/report``: uses, remaining, discount given, revenue; per ticket and per day.

    Six queries: the user, their events, the code, then the figures per ticket, per day, and its tickets.
    """

    permission_classes = [ManagersOnly]
    renderer_classes = [DocumentRenderer]
    resource_name = "discount-code-report"
    serializer_class = CodeReportSerializer
    queryset = DiscountCode.objects.none()

    def get(self, request, pk: int):
        code = get_object_or_404(scope_to_managed(DiscountCode.objects.select_related("event"), request), pk=pk)
        report = reports.code_report(code)
        currency = code.event.payment_currency
        return Response(
            {
                "data": {
                    "type": "discount-code-report",
                    "id": str(code.pk),
                    "attributes": {
                        "code": code.code,
                        "currency": currency,
                        "limit": code.tickets_number,
                        "uses": report.uses,
                        "remaining": report.remaining,
                        "orders": report.orders,
                        "discount-given": money(report.discount),
                        "revenue": money(report.revenue),
                        "tickets": [
                            {
                                "ticket": str(t.ticket_id),
                                "name": t.name,
                                "applies": t.applies,
                                "uses": t.uses,
                                "sold": t.sold,
                                "discount-given": money(t.discount),
                                "revenue": money(t.revenue),
                            }
                            for t in report.tickets
                        ],
                        "uses-per-day": [{"date": day.isoformat(), "uses": uses} for day, uses in report.per_day],
                    },
                    "relationships": {"discount-code": {"data": code_identifier(code.pk)}},
                }
            }
        )


@extend_schema(
    responses={
        200: CodeReportSerializer(many=True),
        403: OpenApiResponse(description="Not an organizer of the event"),
    }
)
class EventCodeRankingView(StrictQueryMixin, GenericAPIView):
    """``GET /v1/events/{event_pk}/discount-code-report``: the event's codes, most used first (then by code).

    Five queries: the user, their events, the event, COUNT and the page (one aggregate query over orders).
    """

    permission_classes = [ManagersOnly]
    renderer_classes = [DocumentRenderer]
    collection_actions = ("list",)
    action = "list"  # page[...] parameters are allowed here
    resource_name = "discount-code-report"
    serializer_class = CodeReportSerializer
    queryset = DiscountCode.objects.none()

    def get(self, request, event_pk: int):
        event = get_object_or_404(Event, pk=event_pk)
        if not manages(request, event.pk):
            raise exceptions.PermissionDenied("Only the event's organizers see its codes' reports.")
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(reports.ranked_codes(event.pk), request, view=self)
        first_rank = paginator.page.start_index() if page else 1
        rows = [
            {
                "type": "discount-code-report",
                "id": str(code.pk),
                "attributes": {
                    "rank": first_rank + i,
                    "code": code.code,
                    "uses": code.uses,
                    "limit": code.tickets_number,
                    "remaining": None
                    if code.tickets_number is None
                    else max(code.tickets_number - code.used_count, 0),
                    "orders": code.order_count,
                    "discount-given": money(code.discount_given),
                    "revenue": money(code.revenue),
                },
                "relationships": {"discount-code": {"data": code_identifier(code.pk)}},
            }
            for i, code in enumerate(page)
        ]
        paginated = paginator.get_paginated_response(rows).data
        return Response({"data": rows, "links": paginated.get("links", {}), "meta": paginated.get("meta", {})})
