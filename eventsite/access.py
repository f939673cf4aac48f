"""Who may manage which event: the one place that answers it, for the API, the admin, rules and commands.

An active user manages the events they own or organize; an active superuser manages every event; nobody else
manages anything. Every question about it has one function here, asked with ``who``:

- a **request** (API views, serializers, filters, and the admin's pages): the answer is computed once per
  request, as a set of event ids cached on it, and then shared by the querysets, permission checks and
  serializers of that request (one query per request, the API's and the admin's query budgets count on it;
  ``manages_row`` even folds it into the look-up of a parent row). Scoping is then a plain ``IN`` list, which
  leaves a queryset deletable as well;
- a **user** (forms, rules, commands): each question is a query of its own, scoping by a subquery.

The admin's ModelAdmin mixins that apply this to every page live in ``eventsite.admin_site``.
"""

from functools import cache

from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import HttpRequest
from rest_framework.request import Request

from .models import Event, EventQuerySet
from .prepared import PreparedQuery


class AllEvents:
    """Stands for "every event" (a superuser) without loading every id."""

    def __contains__(self, event_id) -> bool:
        return True


ALL_EVENTS = AllEvents()

#: The request attribute that keeps the answer for the rest of the request (as Django's middleware keep
#: ``request.user``): named for this project, so it cannot clash with a name of Django or DRF.
MANAGED_EVENTS_ATTRIBUTE = "eventsite_managed_event_ids"
#: Whether a superuser's request has any event to manage (``manages_any_event``), kept likewise.
ANY_EVENT_ATTRIBUTE = "eventsite_manages_any_event"


def is_superuser(user) -> bool:
    """An active, logged-in superuser: manages every event."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def managed_events(user) -> EventQuerySet:
    """The events ``user`` manages: superusers all, other active users those they own or organize."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Event.objects.none()
    if user.is_superuser:
        return Event.objects.all()
    return Event.objects.owned_or_organized_by(user.pk)


def managed_event_ids(request) -> set[int] | AllEvents:
    """The ids of the events the requester manages (owner or organizer), cached on the request."""
    cached = getattr(request, MANAGED_EVENTS_ATTRIBUTE, None)
    if cached is not None:
        return cached
    user = request.user
    if is_superuser(user):
        result: set[int] | AllEvents = ALL_EVENTS
    else:
        result = {pk for (pk,) in MANAGED_EVENTS.rows(user=user.pk)} if is_active_user(user) else set()
    setattr(request, MANAGED_EVENTS_ATTRIBUTE, result)
    return result


#: The events an active non-superuser manages (``managed_events`` for them), compiled once.
MANAGED_EVENTS = PreparedQuery(lambda user: Event.objects.owned_or_organized_by(user).order_by().values_list("pk"))


def is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _is_request(who) -> bool:
    return isinstance(who, HttpRequest | Request)


def event_id_of(obj) -> int | None:
    """The event an object belongs to: an event itself, anything with an ``event`` foreign key, or an event id."""
    if obj is None or isinstance(obj, int):
        return obj
    return obj.pk if isinstance(obj, Event) else getattr(obj, "event_id", None)


def manages(who, obj: Model | int | None) -> bool:
    """Whether ``who`` (a request or a user) manages ``obj``'s event (``obj``: an event, an object with an
    ``event`` foreign key, or an event id)."""
    event_id = event_id_of(obj)
    if event_id is None:
        return False
    if _is_request(who):
        return event_id in managed_event_ids(who)
    return managed_events(who).filter(pk=event_id).exists()


def manages_any_event(who) -> bool:
    """Whether ``who`` (a request or a user) manages at least one event."""
    if _is_request(who):
        ids = managed_event_ids(who)
        if ids is not ALL_EVENTS:
            return bool(ids)
        # A superuser manages any event when there is one: asked once per request, as the ids are.
        cached = getattr(who, ANY_EVENT_ATTRIBUTE, None)
        if cached is None:
            cached = managed_events(who.user).exists()
            setattr(who, ANY_EVENT_ATTRIBUTE, cached)
        return cached
    return managed_events(who).exists()


def scope_to_managed(queryset: QuerySet, who, path: str | None = None) -> QuerySet:
    """Only the rows of ``queryset`` that belong to events ``who`` (a request or a user) manages.

    ``path`` leads from the queryset's model to its event: ``pk`` for events themselves, ``event`` (the default)
    for models with an ``event`` foreign key.
    """
    if path is None:
        path = "pk" if queryset.model is Event else "event"
    if _is_request(who):
        events = managed_event_ids(who)
        if events is ALL_EVENTS:
            return queryset
        return queryset.filter(**{f"{path}__in": events})
    if is_superuser(who):
        return queryset
    # A subquery rather than a join (managed_events is DISTINCT), so the result can still be deleted.
    return queryset.filter(**{f"{path}__in": managed_events(who).values("pk")})


def manages_row(request, model, pk: int) -> bool:
    """Whether row ``pk`` of ``model`` (a model with an ``event`` foreign key) belongs to an event the requester
    manages: a parent looked up for a nested list (``/v1/discount-codes/{id}/tickets``).

    When the managed events are not known yet, one query answers both (each managed event, and whether it holds
    the row) and seeds the per-request cache of ``managed_event_ids``: one round trip instead of two on the
    benchmark's hottest endpoint, its SQL compiled once (``_managed_events_holding``). Otherwise (known already,
    anonymous, superuser) it asks only about the row.
    """
    user = request.user
    if (
        getattr(request, MANAGED_EVENTS_ATTRIBUTE, None) is not None
        or not user.is_authenticated
        or not user.is_active
        or user.is_superuser
    ):
        return scope_to_managed(model.objects.all(), request).filter(pk=pk).exists()
    ids, found = set(), False
    for event_id, holds_row in _managed_events_holding(model).rows(user=user.pk, row=pk):
        ids.add(event_id)
        found = found or bool(holds_row)
    setattr(request, MANAGED_EVENTS_ATTRIBUTE, ids)
    return found


@cache
def _managed_events_holding(model) -> PreparedQuery:
    """Each event ``user`` manages (an active non-superuser: ``manages_row`` checked), and whether it holds row
    ``row`` of ``model``."""

    def build(user: int, row: int):
        holds = Exists(model.objects.filter(pk=row, event_id=OuterRef("pk")))
        return (
            Event.objects.owned_or_organized_by(user)
            .order_by()
            .annotate(holds_row=holds)
            .values_list("pk", "holds_row")
        )

    return PreparedQuery(build)
