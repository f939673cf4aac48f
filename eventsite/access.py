"""Who may manage which event: computed once per request and shared by querysets, serializers and views."""

from .models import Event


class AllEvents:
    """Stands for "every event" (a superuser) without loading every id."""

    def __contains__(self, event_id) -> bool:
        return True


ALL_EVENTS = AllEvents()


def managed_event_ids(request) -> set[int] | AllEvents:
    """The ids of the events the requester manages (owner or organizer), cached on the request."""
    cached = getattr(request, "_managed_event_ids", None)
    if cached is not None:
        return cached
    user = request.user
    if not user.is_authenticated or not user.is_active:
        result: set[int] | AllEvents = set()
    elif user.is_superuser:
        result = ALL_EVENTS
    else:
        result = set(Event.objects.managed_by(user).values_list("pk", flat=True))
    request._managed_event_ids = result
    return result


def manages(request, event_id: int | None) -> bool:
    return event_id is not None and event_id in managed_event_ids(request)


def event_id_of(obj) -> int | None:
    """The event an object belongs to: an event itself, or anything with an ``event`` foreign key."""
    return obj.pk if isinstance(obj, Event) else getattr(obj, "event_id", None)


def scope_to_managed(queryset, request, field: str = "event_id"):
    """Only rows of events the requester manages."""
    ids = managed_event_ids(request)
    if ids is ALL_EVENTS:
        return queryset
    return queryset.filter(**{f"{field}__in": ids})
