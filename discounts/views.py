"""API views of discount codes. Every write goes through ``discounts.rules``; views only choose and scope."""

from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework_json_api.utils import get_included_resources

from eventsite.access import ALL_EVENTS, managed_event_ids, manages, scope_to_managed
from eventsite.api.pagination import TOTAL, PreparedValuesRows, with_total
from eventsite.api.permissions import ManagersOnly
from eventsite.api.throttling import CODE_LOOKUP_SCOPE, GuardedScopedRateThrottle
from eventsite.api.views import RelationshipView, ResourceViewSet, StrictQueryMixin
from eventsite.errors import Kind, Problem, RuleError, raise_if
from eventsite.models import Event, User
from eventsite.prepared import PreparedQuery
from eventsite.serializers import EventSerializer
from history.models import ObjectType
from history.views import HistoryEntrySerializer, ObjectHistoryView
from tickets.models import Ticket
from tickets.views import TicketViewSet

from . import rules
from .filters import DiscountCodeFilter
from .models import DiscountCode, UsedFor
from .serializers import DiscountCodeSerializer, PublicDiscountCodeSerializer

CODE_NOT_FOUND = "There is no such discount code for this event."

#: ``rules.covered_ticket_ids`` for the public check, its query (``rules.covered_tickets``) compiled once per kind
#: of code (``used_for``) rather than built for every look-up (``covered_ticket_ids`` below).
COVERED_TICKETS = PreparedQuery(
    lambda used_for, *, event, code=None: rules.covered_tickets(
        DiscountCode(pk=code, event_id=event, used_for=used_for)
    ).values_list("pk")
)


def covered_ticket_ids(code: DiscountCode) -> list[int]:
    """``rules.covered_ticket_ids`` by ``COVERED_TICKETS`` (an event code's query does not name the code)."""
    values = {"code": code.pk} if code.used_for == UsedFor.TICKET else {}
    return [pk for (pk,) in COVERED_TICKETS.rows(parts=(code.used_for,), event=code.event_id, **values)]


#: Query parameters a list of codes may have for its page to be the prepared one (``DiscountCodeViewSet.list``).
PLAIN_LISTING = frozenset({"include", "page[size]", "page[number]"})


def _codes_page(bottom: int, top: int, *columns: str, managed: list[int] | None = None):
    """A page of ``/v1/discount-codes`` as ``.values()`` rows with its total: what the general path reads (the
    requester's codes, ``scope_to_managed``; the default order), for a requester managing ``managed`` (None: a
    superuser)."""
    codes = DiscountCode.objects.all() if managed is None else DiscountCode.objects.filter(event__in=managed)
    return with_total(codes.order_by(*DiscountCodeViewSet.ordering)).values(*columns, TOTAL)[bottom:top]


CODES_PAGE = PreparedQuery(_codes_page)


class DiscountCodeViewSet(ResourceViewSet):
    queryset = DiscountCode.objects.none()  # describes the model to the schema; requests use base_queryset()
    serializer_class = DiscountCodeSerializer
    permission_classes = [ManagersOnly]
    filterset_class = DiscountCodeFilter
    ordering_fields = ("code", "created_at", "valid_from", "valid_till", "value", "used_count")
    ordering = ("id",)
    select_for_includes = {"event": ["event"]}
    read_rows = True
    rows_related = {"tickets": Ticket.objects.order_by("pk")}  # as ``get_queryset`` prefetches them

    def list(self, request, *args, **kwargs):
        """The requester's codes listed plainly (no ``sort``, ``filter``; not nested) are read by a prepared query
        (``eventsite.prepared``) of the general path's rows, as ``.values()`` rows for the document builder."""
        builder = self.rows_builder()
        if (
            builder is None
            or not request.query_params.keys() <= PLAIN_LISTING
            or {"event_pk", "user_pk"} & kwargs.keys()
        ):
            return super().list(request, *args, **kwargs)
        managed = managed_event_ids(request)
        values = {} if managed is ALL_EVENTS else {"managed": sorted(managed)}
        return builder.list_response(self, PreparedValuesRows(CODES_PAGE, builder.columns, **values))

    def get_queryset(self):
        queryset = super().get_queryset()
        included = get_included_resources(self.request, self.serializer_class)
        tickets = Ticket.objects.order_by("pk")
        if "tickets" not in included:
            tickets = tickets.only("pk", "discount_code_id")
        return queryset.prefetch_related(Prefetch("tickets", queryset=tickets))

    def base_queryset(self):
        queryset = scope_to_managed(DiscountCode.objects.all(), self.request)
        if "event_pk" in self.kwargs:
            event = get_object_or_404(Event, pk=self.kwargs["event_pk"])
            if not manages(self.request, event.pk):
                raise exceptions.PermissionDenied("Only the event's organizers see its discount codes.")
            queryset = queryset.filter(event=event)
        if "user_pk" in self.kwargs:
            queryset = queryset.filter(marketer=self.marketer())
        return queryset

    def marketer(self) -> User:
        """``/v1/users/{id}/discount-codes``: the codes a user created, asked by that user or an admin (others 404).

        Scoped like every list of codes: only codes of events the requester manages, so a user who no longer
        organizes an event no longer sees the codes they made there (nor their text).
        """
        user, pk = self.request.user, self.kwargs["user_pk"]
        if user.pk == pk:
            return user
        if user.is_superuser:
            return get_object_or_404(User, pk=pk)
        raise Http404

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if not manages(self.request, data["event"].pk):
            raise exceptions.PermissionDenied("Only the event's organizers create its discount codes.")
        tickets = data.pop("tickets", [])
        serializer.instance = rules.create_code(marketer=self.request.user, tickets=tickets, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        tickets = data.pop("tickets", None)
        with transaction.atomic():
            code = rules.update_code(serializer.instance, **data)
            if tickets is not None:
                rules.replace_tickets(code=code, tickets=tickets)
        serializer.instance = code

    def perform_destroy(self, instance):
        rules.delete_code(code=instance)

    @extend_schema(responses={200: OpenApiResponse(description="The code's event as an event document")})
    @action(detail=True, methods=["get"], url_path="event")
    def related_event(self, request, pk=None):
        code = self.get_object()
        self.resource_name = "event"
        return Response(EventSerializer(code.event, context=self.get_serializer_context()).data)


class DiscountCodeTicketsRelationship(RelationshipView):
    """``/v1/discount-codes/{id}/relationships/tickets``: PATCH replaces, POST adds, DELETE detaches."""

    related_type = "ticket"
    queryset = DiscountCode.objects.none()
    permission_classes = [ManagersOnly]

    def get_queryset(self):
        return scope_to_managed(DiscountCode.objects.all(), self.request)

    def linked_queryset(self, parent):
        return scope_to_managed(Ticket.objects.all(), self.request).select_related("discount_code")

    def current(self, parent):
        return Ticket.objects.filter(discount_code=parent)

    def replace(self, parent, objs):
        rules.replace_tickets(code=parent, tickets=objs)

    def add(self, parent, objs):
        rules.attach_tickets(code=parent, tickets=objs)

    def remove(self, parent, objs):
        rules.detach_tickets(code=parent, tickets=objs)


@extend_schema(
    responses={
        200: HistoryEntrySerializer(many=True),
        404: OpenApiResponse(description="No such code among the requester's (deleted ones included)"),
    }
)
class CodeHistoryView(ObjectHistoryView):
    """``GET /v1/discount-codes/{id}/history``: every change of the code (its terms, its tickets), newest first,
    also after it is deleted."""

    model = DiscountCode
    object_type = ObjectType.DISCOUNT_CODE


class TicketCodeViewSet(TicketViewSet):
    """``GET /v1/tickets/{id}/discount-code``: a ticket's code, for the event's organizers (401 without a login,
    before any look-up; 404 to others)."""

    def get_permissions(self):
        return [permissions.IsAuthenticated(), *super().get_permissions()]

    @extend_schema(
        responses={
            200: OpenApiResponse(description="The ticket's code as a discount-code document; data null if none")
        }
    )
    @action(detail=True, methods=["get"], url_path="discount-code")
    def related_discount_code(self, request, pk=None):
        ticket = self.get_object()
        if not manages(request, ticket.event_id):
            raise exceptions.NotFound("Only the event's organizers see a ticket's discount code.")
        self.resource_name = "discount-code"
        if ticket.discount_code_id is None:
            return Response(None)
        code = DiscountCode.objects.prefetch_related("tickets").get(pk=ticket.discount_code_id)
        return Response(DiscountCodeSerializer(code, context=self.get_serializer_context()).data)


class TicketDiscountCodeRelationship(RelationshipView):
    """``/v1/tickets/{id}/relationships/discount-code``: PATCH with an identifier attaches, with null detaches."""

    related_type = "discount-code"
    queryset = Ticket.objects.none()
    to_many = False
    permission_classes = [ManagersOnly]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return scope_to_managed(Ticket.objects.select_related("discount_code"), self.request)

    def linked_queryset(self, parent):
        return scope_to_managed(DiscountCode.objects.all(), self.request)

    def current(self, parent):
        return parent.discount_code

    def set(self, parent, obj):
        rules.set_ticket_code(parent, obj)


class DiscountCodeEventRelationship(RelationshipView):
    """``/v1/discount-codes/{id}/relationships/event``: readable; a code never moves to another event."""

    related_type = "event"
    queryset = DiscountCode.objects.none()
    to_many = False
    permission_classes = [ManagersOnly]
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return scope_to_managed(DiscountCode.objects.select_related("event"), self.request)

    def linked_queryset(self, parent):
        return Event.objects.all()

    def current(self, parent):
        return parent.event

    def set(self, parent, obj):
        if obj is None or obj.pk != parent.event_id:
            raise RuleError(Problem("event", rules.EVENT_FIXED, "event_fixed", Kind.CONFLICT))


@extend_schema_view(
    get=extend_schema(
        responses={
            200: PublicDiscountCodeSerializer,
            404: OpenApiResponse(description="No such code for this event (or not published, to all but organizers)"),
            422: OpenApiResponse(description="Expired or used up (organizers: also inactive or not yet valid)"),
            429: OpenApiResponse(description="Too many look-ups from this client or account"),
        }
    )
)
class DiscountCodeCheck(StrictQueryMixin, GenericAPIView):
    """``GET /v1/events/{event_id}/discount-codes/{code}``: the public check a buyer's front end makes.

    Throttled per client and per account (``DISCOUNT_CODE_LOOKUP_RATE``, one budget with the quote and orders)
    so that codes cannot be found by trying many. A code that is not published yet is unknown to all but the
    event's organizers, and answers name the code as the requester typed it.
    """

    permission_classes = []
    throttle_classes = [GuardedScopedRateThrottle]
    throttle_scope = CODE_LOOKUP_SCOPE
    resource_name = "discount-code"
    queryset = DiscountCode.objects.none()
    serializer_class = PublicDiscountCodeSerializer

    def get(self, request, event_pk: int, code: str):
        now = timezone.now()
        found = (
            rules.visible_code(DiscountCode.objects.filter(event_id=event_pk).with_code(code), request.user, now=now)
            if len(code) <= rules.MAX_CODE_LENGTH
            else None
        )
        if found is None:
            raise exceptions.NotFound(CODE_NOT_FOUND)
        raise_if(rules.availability_problems(found, now=now, name=code))
        context = {
            "request": request,
            "view": self,
            "applicable_tickets": covered_ticket_ids(found),
            "code_text": code,
        }
        return Response(PublicDiscountCodeSerializer(found, context=context).data)
