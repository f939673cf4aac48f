"""Order API: the public quote (plain JSON) and the order resource (JSON:API). Writes go through the rules."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, renderers, status
from rest_framework import serializers as drf
from rest_framework.response import Response
from rest_framework.views import APIView

from discounts.models import DiscountCode
from eventsite.access import manages, scope_to_managed
from eventsite.api.exceptions import STATUS_OF_KIND, error_object, status_of
from eventsite.api.parsers import JSONParser
from eventsite.api.throttling import CODE_LOOKUP_SCOPE, GuardedScopedRateThrottle, draw_code_lookup
from eventsite.api.views import ErrorDocumentsMixin, ResourceViewSet
from eventsite.errors import Problem, RuleError
from eventsite.models import Event
from tickets.models import Ticket
from tickets.views import TicketViewSet

from . import rules
from .models import Order, OrderLine, OrderStatus
from .serializers import LineSerializer, OrderSerializer, QuoteRequestSerializer, quote_document, to_line


def problem_error(problem: Problem, prefix: str = "") -> dict:
    """A rule's problem as a JSON:API-style error whose pointer is relative to the body (``/tickets/0/id``)."""
    field = problem.field or ""
    member = {"code": "discount-code"}.get(field, field)
    return error_object(STATUS_OF_KIND[problem.kind], problem.code, problem.message, f"{prefix}/{member}".rstrip("/"))


QUOTE_REQUEST = inline_serializer(
    "QuoteRequest",
    {
        "tickets": LineSerializer(many=True),
        "discount-code": drf.CharField(required=False, help_text="The code's text, as the buyer typed it"),
        "discount-code-id": drf.CharField(
            required=False, help_text="The code's id: for the event's organizers only (others: 403)"
        ),
    },
)


@extend_schema(
    request=QUOTE_REQUEST,
    responses={
        200: OpenApiResponse(description="The priced order, with the reasons a code does not (fully) apply"),
        401: OpenApiResponse(description="A token was sent and is not valid"),
        403: OpenApiResponse(description="A code named by its id by someone who does not organize the event"),
        415: OpenApiResponse(description="Not application/json"),
        422: OpenApiResponse(
            description="A body of the wrong shape, unknown keys, or lines that cannot be bought (unknown tickets "
            "too), each error with its pointer (/tickets/0/id)"
        ),
        429: OpenApiResponse(description="Too many code look-ups from this client or account"),
    },
)
class QuoteView(ErrorDocumentsMixin, APIView):
    """``POST /v1/orders/calculate-amount``: what an order would cost, and why a code does not apply if it
    does not. Public, and one guessing budget with the public code check and orders (it tells whether a code
    is valid). A log-in is optional: with it, the event's organizers may name a code by its id."""

    permission_classes = [permissions.AllowAny]
    parser_classes = [JSONParser]
    renderer_classes = [renderers.JSONRenderer]
    throttle_classes = [GuardedScopedRateThrottle]
    throttle_scope = CODE_LOOKUP_SCOPE

    def post(self, request):
        serializer = QuoteRequestSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": flatten_errors(serializer.errors)}, status=422)
        data = serializer.validated_data
        viewer = request.user if request.user.is_authenticated else None
        if data["code_id"] is not None and not rules.may_name_codes_by_id(viewer, data["lines"]):
            raise exceptions.PermissionDenied(rules.CODE_ID_FOR_ORGANIZERS)
        try:
            quote = rules.quote(
                lines=data["lines"],
                code_text=data["code"],
                code_id=data["code_id"],
                now=timezone.now(),
                viewer=viewer,
            )
        except RuleError as error:
            return Response({"errors": [problem_error(p) for p in error.problems]}, status=status_of(error.problems))
        return Response(quote_document(quote, [problem_error(p) for p in quote.problems]))


def flatten_errors(errors, pointer: str = "") -> list[dict]:
    """DRF's nested validation errors as a flat list of JSON:API errors with pointers."""
    if isinstance(errors, dict):
        out = []
        for key, value in errors.items():
            member = "" if key == "non_field_errors" else f"/{key}"
            out += flatten_errors(value, pointer + member)
        return out
    if isinstance(errors, list):
        if all(isinstance(e, str) for e in errors):
            return [error_object(422, getattr(e, "code", "invalid"), e, pointer) for e in errors]
        out = []
        for index, value in enumerate(errors):
            if value:
                out += flatten_errors(value, f"{pointer}/{index}")
        return out
    return [error_object(422, "invalid", str(errors), pointer)]


class OrderViewSet(ResourceViewSet):
    """Buyers see their own orders, organizers their events' orders; ``PATCH`` only cancels."""

    queryset = Order.objects.none()  # describes the model to the schema; requests use base_queryset()
    serializer_class = OrderSerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = {"status": ("exact",), "event": ("exact",)}
    ordering_fields = ("created_at", "amount")
    ordering = ("-created_at", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def base_queryset(self):
        queryset = Order.objects.visible_to(self.request.user)
        if "event_pk" in self.kwargs:
            event = get_object_or_404(Event, pk=self.kwargs["event_pk"])
            if not manages(self.request, event.pk):
                raise exceptions.PermissionDenied("Only the event's organizers see its orders.")
            queryset = queryset.filter(event=event)
        if "code_pk" in self.kwargs:
            code = get_object_or_404(
                scope_to_managed(DiscountCode.objects.all(), self.request), pk=self.kwargs["code_pk"]
            )
            queryset = queryset.filter(discount_code=code)
        return queryset.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("pk")))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "status" in data and data["status"] != OrderStatus.PLACED:
            raise RuleError(Problem("status", rules.ONLY_CANCELLING, "status_not_placed"))
        key = request.headers.get("Idempotency-Key") or None
        if key is not None and len(key) > 255:
            raise exceptions.ValidationError({"idempotency_key": ["An Idempotency-Key has at most 255 characters."]})
        code_text = data.get("code") or None
        if code_text is not None:
            draw_code_lookup(request, self)  # an order with a code tells whether the code exists: one budget
        order, created = rules.place_order(
            buyer=request.user,
            lines=[to_line(line) for line in data["tickets"]],
            code_text=code_text,
            now=timezone.now(),
            idempotency_key=key,
        )
        order = self.get_queryset().get(pk=order.pk)
        body = self.get_serializer(order).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        order = self.get_object()
        if not (order.buyer_id == request.user.pk or manages(request, order.event_id)):
            raise exceptions.PermissionDenied("Only the buyer or the event's organizers cancel an order.")
        serializer = self.get_serializer(order, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        rules.update_order(order, now=timezone.now(), **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)


class OrderTicketViewSet(TicketViewSet):
    """``/v1/orders/{id}/tickets``: the tickets of an order, hidden ones too (the buyer bought them), for its buyer
    and its event's organizers (others 404; without a login 401)."""

    def get_permissions(self):
        return [permissions.IsAuthenticated()]

    def base_queryset(self):
        order = get_object_or_404(Order.objects.visible_to(self.request.user), pk=self.kwargs["order_pk"])
        return Ticket.objects.filter(order_lines__order=order)
