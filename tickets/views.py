"""API views of tickets. Writes go through ``tickets.rules`` (which call the discount rules for the code)."""

from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, permissions

from eventsite.access import ALL_EVENTS, managed_event_ids, manages, manages_row
from eventsite.api.pagination import TOTAL, PreparedValuesRows, with_total
from eventsite.api.permissions import ReadPublicWriteManagers
from eventsite.api.views import ResourceViewSet
from eventsite.models import Event
from eventsite.prepared import PreparedQuery

from . import rules
from .filters import TicketFilter
from .models import Ticket
from .serializers import TicketSerializer


def code_model():
    """The model of a ticket's code, as its foreign key names it (the discounts app builds on tickets: no import).
    Asked per request, not at import: a lazy foreign key's model exists only once every model is loaded."""
    return Ticket._meta.get_field("discount_code").related_model


def visible_tickets(request):
    """Tickets the requester may see: every ticket of their own events, and the others' that are not hidden."""
    return visible_tickets_of(managed_event_ids(request))


def visible_tickets_of(managed):
    if managed is ALL_EVENTS:
        return Ticket.objects.all()
    return Ticket.objects.filter(Q(is_hidden=False) | Q(event_id__in=managed))


def code_tickets_of(managed, code: int):
    """The tickets of ``/v1/discount-codes/{code}/tickets`` (the general path and the prepared page alike)."""
    return visible_tickets_of(managed).filter(discount_code_id=code)


#: Query parameters a code's ticket list may have for its page query to be the prepared one (``list``).
PLAIN_LISTING = frozenset({"include", "page[size]", "page[number]"})


def _code_tickets_page(bottom: int, top: int, *columns: str, code: int, managed: list[int] | None = None):
    """A page of ``/v1/discount-codes/{code}/tickets`` as ``.values()`` rows with its total: what the general
    path reads (scope, code, default order, ``with_total``), for a requester managing ``managed`` (None: a
    superuser)."""
    tickets = code_tickets_of(ALL_EVENTS if managed is None else managed, code)
    return with_total(tickets.order_by(*TicketViewSet.ordering)).values(*columns, TOTAL)[bottom:top]


def _event_tickets_page(bottom: int, top: int, *columns: str, event: int, managed: list[int] | None = None):
    """A page of ``/v1/events/{event}/tickets`` as ``.values()`` rows with its total, as the general path reads it."""
    tickets = visible_tickets_of(ALL_EVENTS if managed is None else managed).filter(event_id=event)
    return with_total(tickets.order_by(*TicketViewSet.ordering)).values(*columns, TOTAL)[bottom:top]


CODE_TICKETS_PAGE = PreparedQuery(_code_tickets_page)
EVENT_TICKETS_PAGE = PreparedQuery(_event_tickets_page)
EVENT_EXISTS = PreparedQuery(lambda pk: Event.objects.filter(pk=pk).values_list("pk"))


def _ticket_row(*columns: str, pk: int, managed: list[int] | None = None):
    """``/v1/tickets/{pk}`` as ``.values()`` rows: what the general path looks up (the visible tickets)."""
    return visible_tickets_of(ALL_EVENTS if managed is None else managed).filter(pk=pk).values(*columns)


TICKET_ROW = PreparedQuery(_ticket_row)
#: Ids a prepared look-up takes are below this (a 64-bit column; others take the general path).
MAX_ID = 2**63


class EventTicketsRows(PreparedValuesRows):
    """An event's page: an event with tickets on the page exists; only an empty page asks whether the event does
    (a 404 as the general path's look-up of the event, before the paginator's "Invalid page.")."""

    def rows(self, bottom: int, top: int) -> list:
        found = super().rows(bottom, top)
        if not found and not EVENT_EXISTS.rows(pk=self.values["event"]):
            raise Http404
        return found


class TicketViewSet(ResourceViewSet):
    queryset = Ticket.objects.none()  # describes the model to the schema; requests use base_queryset()
    serializer_class = TicketSerializer
    permission_classes = [ReadPublicWriteManagers]
    filterset_class = TicketFilter
    ordering_fields = ("position", "price", "name", "created_at")
    ordering = ("position", "id")
    select_for_includes = {"event": ["event"], "discount_code": ["discount_code"]}
    read_rows = True
    prefetch_for_includes = {
        "discount_code": [Prefetch("discount_code__tickets", queryset=Ticket.objects.only("pk", "discount_code_id"))]
    }

    def get_permissions(self):
        """A code's tickets are for the event's organizers: without a login they are a 401 (before any look-up),
        as every endpoint that needs one; the rest of tickets is public to read. (A ticket's code is
        ``discounts.views.TicketCodeViewSet``, an order's tickets ``orders.views.OrderTicketViewSet``.)"""
        if "code_pk" in self.kwargs:
            return [permissions.IsAuthenticated(), *super().get_permissions()]
        return super().get_permissions()

    def list(self, request, *args, **kwargs):
        """A code's tickets and an event's, listed plainly (no ``sort``, ``filter``, ``fields``; ``include`` at most
        ``event``), are read by a prepared query (``eventsite.prepared``) of the general path's rows, as
        ``.values()`` rows for the document builder (``eventsite.api.rows``; an included event is a join). They
        are the lists a campaign's traffic and a ticket shop hit; ``tickets/tests/test_prepared_list.py`` checks
        both paths agree."""
        nested = {"code_pk", "event_pk"} & kwargs.keys()
        builder = self.rows_builder()
        if builder is None or len(nested) != 1 or not request.query_params.keys() <= PLAIN_LISTING:
            return super().list(request, *args, **kwargs)
        if not set(builder.includes) <= {"event"} or not self.paginator.parameters_valid(request):
            return super().list(request, *args, **kwargs)
        if "code_pk" in kwargs:
            self.check_code()
        managed = managed_event_ids(request)
        values = {} if managed is ALL_EVENTS else {"managed": sorted(managed)}
        if "code_pk" in kwargs:
            page = PreparedValuesRows(CODE_TICKETS_PAGE, builder.columns, code=kwargs["code_pk"], **values)
        else:
            page = EventTicketsRows(EVENT_TICKETS_PAGE, builder.columns, event=kwargs["event_pk"], **values)
        return builder.list_response(self, page)

    def retrieve(self, request, *args, **kwargs):
        """A ticket (``/v1/tickets/{id}``, ``include`` at most) is read by a prepared query of the general path's
        row, for the document builder; ``tickets/tests/test_prepared_list.py`` checks both paths agree."""
        builder = self.rows_builder()
        pk = kwargs.get("pk")
        if (
            builder is None
            or {"code_pk", "event_pk"} & kwargs.keys()
            or not (isinstance(pk, int) and 0 < pk < MAX_ID)
            or not request.query_params.keys() <= {"include"}
        ):
            return super().retrieve(request, *args, **kwargs)
        managed = managed_event_ids(request)
        values = {} if managed is ALL_EVENTS else {"managed": sorted(managed)}
        rows = TICKET_ROW.values(parts=tuple(builder.columns), pk=pk, **values)
        if not rows:
            raise Http404
        builder.check_object_permissions(self, rows[0])
        return builder.retrieve_response(self, rows[0])

    def check_code(self):
        """The code of ``/v1/discount-codes/{id}/tickets`` is the requester's: else 404, as for any code."""
        if not manages_row(self.request, code_model(), self.kwargs["code_pk"]):
            raise Http404

    def base_queryset(self):
        if "code_pk" in self.kwargs:  # first: the look-up also learns the managed events (one query for both)
            self.check_code()
            return code_tickets_of(managed_event_ids(self.request), self.kwargs["code_pk"])
        queryset = visible_tickets(self.request)
        if "event_pk" in self.kwargs:
            event = get_object_or_404(Event, pk=self.kwargs["event_pk"])
            queryset = queryset.filter(event=event)
        return queryset

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        if not manages(self.request, data["event"].pk):
            raise exceptions.PermissionDenied("Only the event's organizers add its tickets.")
        serializer.instance = rules.create_ticket(**data)

    def perform_update(self, serializer):
        serializer.instance = rules.update_ticket(serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        rules.delete_ticket(ticket=instance)
