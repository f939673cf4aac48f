"""The history in the admin: a read-only, filterable list of entries scoped to the events the user manages, and
the "History" button of each code, ticket and event opening that list for the object (every door, not only the
admin's: Django's own history page knows only changes made in the admin).

Organizers see the entries of their events, deleted codes and tickets included (search by the code's text or
filter by event); nobody adds, changes or deletes an entry here (``manage.py prune_history`` removes old ones).
"""

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.main import PAGE_VAR
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from eventsite.access import is_superuser, managed_event_ids, manages, manages_any_event, scope_to_managed
from eventsite.admin_paging import EstimatedCountPaginator
from eventsite.admin_site import FILTER_CHOICES
from eventsite.models import Event

from .models import Entry, ObjectType
from .services import summary

OBJECT_PARAMETER = "object"


class EventFilter(admin.SimpleListFilter):
    """The user's events, at most ``FILTER_CHOICES`` of them (and always the chosen one): an event's entries are
    otherwise reached from its codes' and tickets' "History" buttons, or by searching."""

    title = "event"
    parameter_name = "event"

    def lookups(self, request, model_admin):
        events = scope_to_managed(Event.objects.all(), request).order_by("name", "pk")
        first = list(events.values_list("pk", "name")[: FILTER_CHOICES + 1])
        if len(first) > FILTER_CHOICES:
            value = self.value() or ""
            first = list(events.filter(pk=int(value)).values_list("pk", "name")) if value.isdigit() else []
        return [(str(pk), name) for pk, name in first]

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(event_id=int(value))
        return queryset


class ObjectFilter(admin.SimpleListFilter):
    """``?object=discount-code:5``: the entries about one object (what its "History" button opens)."""

    title = "object"
    parameter_name = OBJECT_PARAMETER

    def lookups(self, request, model_admin):
        parsed = parse_object(self.value())
        if parsed is None:
            return []
        object_type, object_id = parsed
        return [(self.value(), f"{ObjectType(object_type).label} {object_id}")]

    def queryset(self, request, queryset):
        parsed = parse_object(self.value())
        if parsed is None:
            return queryset
        return queryset.filter(pk__in=Entry.objects.about(*parsed).values("pk"))


def parse_object(value: str | None) -> tuple[str, int] | None:
    object_type, _, object_id = (value or "").partition(":")
    if object_type not in ObjectType.values or not object_id.isdigit() or len(object_id) > 18:
        return None
    return object_type, int(object_id)


def history_url(admin_site, **query) -> str:
    return reverse(f"{admin_site.name}:history_entry_changelist") + "?" + urlencode(query)


class HistoryButtonMixin:
    """Mix into the ModelAdmin of codes or tickets: its "History" page lists the object's entries from every door
    (newest first, paginated), with links to the filterable list. Django's own view decides who may open it (an
    object outside the user's events is not found, or refused), as for every other page of the object."""

    history_object_type: str = ""
    object_history_template = "admin/history/object_history.html"
    history_per_page = 100

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        context = getattr(response, "context_data", None)
        if not context or context.get("object") is None:
            return response  # not found or refused: Django's answer
        obj = context["object"]
        paginator = Paginator(
            Entry.objects.about(self.history_object_type, obj.pk).newest_first(), self.history_per_page
        )
        page = paginator.get_page(request.GET.get(PAGE_VAR))
        for entry in page:
            entry.summary = summary(entry.changes)
        context.update(
            action_list=page,
            page_range=paginator.get_elided_page_range(page.number),
            page_var=PAGE_VAR,
            pagination_required=paginator.count > self.history_per_page,
            history_list_url=history_url(
                self.admin_site, **{OBJECT_PARAMETER: f"{self.history_object_type}:{obj.pk}"}
            ),
            event_history_url=history_url(self.admin_site, event=obj.event_id),
        )
        return response


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    list_display = ("at", "event_name", "object", "action", "door", "actor_label", "what_changed")
    list_filter = (EventFilter, ObjectFilter, "door", "action", "object_type")
    search_fields = ("object_label", "actor_label")
    date_hierarchy = None
    list_per_page = 50
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    fields = ("at", "event_name", "object", "action", "door", "actor_label", "what_changed", "changes_json")
    readonly_fields = fields

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(event_name=Subquery(Event.objects.filter(pk=OuterRef("event_id")).values("name")[:1]))
        )
        if is_superuser(request.user):
            return queryset
        return queryset.filter(event_id__in=list(managed_event_ids(request)))

    def has_module_permission(self, request):
        return is_superuser(request.user) or manages_any_event(request)

    def has_view_permission(self, request, obj=None):
        # Asked of the request: its managed events are looked up once, whatever the page asks.
        if is_superuser(request.user):
            return True
        if obj is None:
            return manages_any_event(request)
        return obj.event_id is not None and manages(request, obj.event_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="event", ordering="event_name")
    def event_name(self, entry: Entry) -> str:
        return getattr(entry, "event_name", None) or (f"deleted event {entry.event_id}" if entry.event_id else "–")

    @admin.display(description="object")
    def object(self, entry: Entry) -> str:
        number = f" {entry.object_id}" if entry.object_id is not None else ""
        return f"{entry.get_object_type_display()}{number}: {entry.object_label}"

    @admin.display(description="changes")
    def what_changed(self, entry: Entry) -> str:
        return summary(entry.changes)

    @admin.display(description="changes (as recorded)")
    def changes_json(self, entry: Entry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(entry.changes, indent=2, ensure_ascii=False))
