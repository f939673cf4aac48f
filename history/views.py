"""API of the history: ``GET /v1/discount-codes/{id}/history`` and ``GET /v1/events/{id}/history``.

Resources of type ``history-entry``, newest first, paginated (``page[number]``, ``page[size]``); the event's list
takes ``filter[door]``, ``filter[action]`` and ``filter[object-type]``. For the event's owner and organizers
(and admins) only: anonymous 401; a code of an event one does not manage is 404 (also once deleted); an event one
does not manage is 403 (events are public), as for the event's other organizer-only lists.
"""

from django.db.models import Model
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, renderers
from rest_framework import serializers as drf
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework_json_api.relations import ResourceRelatedField
from rest_framework_json_api.utils import format_field_name

from eventsite.access import manages, manages_row, scope_to_managed
from eventsite.api.exceptions import InvalidQueryParameter
from eventsite.api.pagination import PageNumberPagination
from eventsite.api.permissions import ManagersOnly
from eventsite.api.query import validate_query_parameters
from eventsite.api.views import StrictQueryMixin
from eventsite.models import Event, User

from .models import Action, Door, Entry, ObjectType

RESOURCE = "history-entry"
#: A field the API names otherwise than the model (the history keeps the model's names).
API_NAMES = {
    ObjectType.DISCOUNT_CODE: {"type": "discount-type"},
    ObjectType.TICKET: {"type": "ticket-type"},
}
FILTERS = {
    "filter[door]": ("door", Door),
    "filter[action]": ("action", Action),
    "filter[object-type]": ("object_type", ObjectType),
}
UNKNOWN_FILTER_VALUE = "“{value}” is not one of: {choices}."


class DocumentRenderer(renderers.JSONRenderer):
    media_type = "application/vnd.api+json"
    format = "vnd.api+json"


@extend_schema_field({"type": "object", "additionalProperties": True})
class ChangesField(drf.JSONField):
    """Member → {"old", "new"}; a set (tickets, organizers, codes) → {"added", "removed"}, each {id, label}."""


@extend_schema_field(OpenApiTypes.STR)
class ActorField(ResourceRelatedField):
    """The user who made the change; null for a command, or once the account is deleted (``actor-label`` stays)."""


class HistoryEntrySerializer(drf.Serializer):
    """Describes the resource to the schema (the views build the documents themselves)."""

    at = drf.DateTimeField()
    door = drf.ChoiceField(choices=Door.choices)
    action = drf.ChoiceField(choices=Action.choices)
    object_type = drf.ChoiceField(choices=ObjectType.choices)
    object_id = drf.CharField(allow_null=True)
    object_label = drf.CharField(help_text="The code's text, ticket's or event's name when the change was made")
    actor_label = drf.CharField(help_text="The user's e-mail address then, or the command")
    changes = ChangesField()
    actor = ActorField(read_only=True, model=User)

    class Meta:  # documented as a JSON:API resource (drf-spectacular-jsonapi reads Meta.resource_name)
        resource_name = RESOURCE

    class JSONAPIMeta:
        resource_name = RESOURCE


def api_changes(entry: Entry) -> dict:
    names = API_NAMES.get(entry.object_type, {})
    return {names.get(k) or format_field_name(k): v for k, v in entry.changes.items()}


def resource(entry: Entry, at: drf.DateTimeField) -> dict:
    return {
        "type": RESOURCE,
        "id": str(entry.pk),
        "attributes": {
            "at": at.to_representation(entry.at),
            "door": entry.door,
            "action": entry.action,
            "object-type": entry.object_type,
            "object-id": None if entry.object_id is None else str(entry.object_id),
            "object-label": entry.object_label,
            "actor-label": entry.actor_label,
            "changes": api_changes(entry),
        },
        "relationships": {
            "actor": {"data": None if entry.actor_id is None else {"type": "user", "id": str(entry.actor_id)}}
        },
    }


class HistoryView(StrictQueryMixin, GenericAPIView):
    permission_classes = [ManagersOnly]
    renderer_classes = [DocumentRenderer]
    collection_actions = ("list",)
    action = "list"
    resource_name = RESOURCE
    serializer_class = HistoryEntrySerializer
    queryset = Entry.objects.none()
    filters: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        validate_query_parameters(request, {"page", "filter"} if self.filters else {"page"})
        for name in request.query_params:
            if name.startswith("filter[") and name not in self.filters:
                raise InvalidQueryParameter(f"This endpoint does not take the query parameter {name}.", name)

    def entries(self, request, **kwargs):
        raise NotImplementedError

    def filtered(self, entries):
        for name in self.filters:
            if name in self.request.query_params:
                wanted = self.request.query_params[name]
                field, choices = FILTERS[name]
                if wanted not in choices.values:
                    message = UNKNOWN_FILTER_VALUE.format(value=wanted, choices=", ".join(choices.values))
                    raise InvalidQueryParameter(message, name)
                entries = entries.filter(**{field: wanted})
        return entries

    def get(self, request, **kwargs):
        entries = self.filtered(self.entries(request, **kwargs)).newest_first()
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(entries, request, view=self)
        at = drf.DateTimeField()
        rows = [resource(entry, at) for entry in page]
        paginated = paginator.get_paginated_response(rows).data
        return Response({"data": rows, "links": paginated.get("links", {}), "meta": paginated.get("meta", {})})


class ObjectHistoryView(HistoryView):
    """Every change of one object, newest first, also after it is deleted; the app that owns the object routes
    it and names its ``model`` and ``object_type`` (history is below the apps it records and imports none).
    Three queries: the user, their events with whether the object is theirs, the page."""

    model: type[Model]
    object_type: ObjectType

    def entries(self, request, pk: int):
        live = manages_row(request, self.model, pk)  # first: it learns the managed events in the same query
        entries = scope_to_managed(Entry.objects.about(self.object_type, pk), request, "event_id")
        if not live and not entries.exists():
            raise Http404
        return entries


@extend_schema(
    responses={
        200: HistoryEntrySerializer(many=True),
        403: OpenApiResponse(description="Not an organizer of the event"),
    }
)
class EventHistoryView(HistoryView):
    """``GET /v1/events/{event_pk}/history``: every change of the event's codes, tickets and organizers, newest
    first. Four queries: the user, the event, their events, the page."""

    filters = tuple(FILTERS)

    def entries(self, request, event_pk: int):
        event = get_object_or_404(Event, pk=event_pk)
        if not manages(request, event.pk):
            raise exceptions.PermissionDenied("Only the event's organizers read its history.")
        return Entry.objects.filter(event_id=event.pk)
