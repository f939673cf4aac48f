"""API of the campaign tools: generate codes in bulk (the reports of codes, from orders, are ``orders.report_views``).

- ``POST /v1/events/{id}/code-generations``: a JSON:API document of type ``code-generation`` (how many codes,
  their shape, their shared terms); answers 201 with the new codes as sparse ``discount-code`` resources.
  Not under ``/events/{id}/discount-codes/…``, where a path segment is a code (the public check).

Organizers of the event only: anonymous 401; an event one does not manage is 403 (events are public), as for
``/v1/events/{id}/discount-codes``.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers, status
from rest_framework import serializers as drf
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework_json_api import serializers

from eventsite.access import manages, scope_to_managed
from eventsite.api.fields import AwareDateTimeField, MoneyField
from eventsite.api.permissions import ManagersOnly
from eventsite.api.relations import ScopedResourceRelatedField
from eventsite.models import Event
from tickets.models import Ticket

from . import generation
from .models import DiscountCode, DiscountType, UsedFor


class DocumentRenderer(renderers.JSONRenderer):
    """Writes a JSON:API document the view built itself (these resources have no model of their own)."""

    media_type = "application/vnd.api+json"
    format = "vnd.api+json"


class CodeGenerationSerializer(serializers.Serializer):
    count = drf.IntegerField(min_value=1)
    # Bounded by the generation's rules (generation.LENGTH_OUT_OF_RANGE, the code text rules), with their messages.
    prefix = drf.CharField(required=False, default="", allow_blank=True, trim_whitespace=False)
    length = drf.IntegerField(required=False, default=generation.DEFAULT_LENGTH)
    alphabet = drf.CharField(required=False, default=generation.DEFAULT_ALPHABET, trim_whitespace=False)
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
        queryset=Ticket.objects.all(), scope=scope_to_managed, many=True, required=False
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
        codes = generation.generate_codes(event=event, tickets=tickets, marketer=request.user, **options, **data)
        body = {
            "data": [code_identifier(c.pk) | {"attributes": {"code": c.code}} for c in codes],
            "meta": {"count": len(codes)},
        }
        return Response(body, status=status.HTTP_201_CREATED)
