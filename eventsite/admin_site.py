"""The admin site as the organizers' workplace: whoever owns or organizes an event may log in.

Django's own site admits staff only. Organizers are not made staff (``is_staff`` would be a second, drifting
record of who manages what); the site asks the events instead (``eventsite.access``).

What they then see is scoped by one mixin (``EventScopedAdmin``, ``EventScopedInline``), from the same fact
(``access.managed_events``): which rows a changelist, autocomplete, action or delete confirmation may hold
(``get_queryset``); which objects a change, delete or history page may open (object-level ``has_*_permission``);
which choices a foreign-key field or a filter offers. Organizers need no Django model permissions: managing an
event is the permission, so there is nothing to grant and nothing to drift. An object outside the scope is not
found (the admin then redirects to its index with "doesn't exist"), or refused with 403 where Django asks for a
permission.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, ForeignObjectRel, Model, Q, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import smart_split, unescape_string_literal

from .access import is_superuser, manages, manages_any_event, scope_to_managed
from .admin_paging import EstimatedCountPaginator
from .models import Event, InvitationStatus, OrganizerInvitation


def may_use_admin(user, request: HttpRequest | None = None) -> bool:
    """Staff and superusers as in Django, every active user who owns or organizes at least one event, and anyone
    whose verified address has a pending invitation to organize one (they answer it there; they see nothing else).

    With the ``request``, its managed events are those the rest of the page uses (looked up once)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or manages_any_event(request if request is not None else user)
        or OrganizerInvitation.objects.addressed_to_user(user).filter(status=InvitationStatus.PENDING).exists()
    )


#: The request attribute keeping ``EventsiteAdminSite.has_permission``'s answer (Django asks it twice a page).
ADMIN_PERMISSION_ATTRIBUTE = "eventsite_may_use_admin"


class OrganizerAuthenticationForm(AdminAuthenticationForm):
    """The admin log-in form, letting in organizers who are not staff (the message stays Django's)."""

    def confirm_login_allowed(self, user):
        # Skip AdminAuthenticationForm's is_staff test but keep AuthenticationForm's is_active test.
        super(AdminAuthenticationForm, self).confirm_login_allowed(user)
        if not may_use_admin(user):
            raise ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


class ScopedAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete view that also serves a reverse relation such as ``DiscountCode.tickets``.

    The code page attaches tickets through the reverse side of ``Ticket.discount_code``; such a relation has no
    ``limit_choices_to``, so the target admin's scoped queryset and ``get_search_results`` decide alone.
    """

    def get_queryset(self):
        if not isinstance(self.source_field, ForeignObjectRel):
            return super().get_queryset()
        queryset = self.model_admin.get_queryset(self.request)
        queryset, use_distinct = self.model_admin.get_search_results(self.request, queryset, self.term)
        return queryset.distinct() if use_distinct else queryset


class EventsiteAdminSite(admin.AdminSite):
    site_header = "eventsite"
    site_title = "eventsite admin"
    index_title = "Events, tickets and discount codes"
    login_form = OrganizerAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        cached = getattr(request, ADMIN_PERMISSION_ATTRIBUTE, None)
        if cached is None:
            cached = may_use_admin(request.user, request)
            setattr(request, ADMIN_PERMISSION_ATTRIBUTE, cached)
        return cached

    def autocomplete_view(self, request: HttpRequest):
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)


# --- Scoping every page to the user's events ---------------------------------------------------------------------


def is_event_data(model: type[Model]) -> bool:
    """Events, and models that belong to one (an ``event`` foreign key): what the admin scopes."""
    if model is Event:
        return True
    field = next((f for f in model._meta.get_fields() if f.name == "event"), None)
    return isinstance(field, ForeignKey) and field.related_model is Event


def scoped_choices(model: type[Model], who) -> QuerySet | None:
    """The choices a form field or filter pointing at ``model`` may offer, or None when it is not event data.

    ``who`` is the request (its managed events are then looked up once for the whole page) or a user."""
    if is_event_data(model):
        return scope_to_managed(model._default_manager.all(), who)
    return None


class EventScopedPermissions:
    """``has_*_permission`` from event management; ``obj`` is the object itself, or for an inline its parent.

    Asked of the request: a page asks these questions dozens of times (the sidebar's every model, each inline row),
    and the managed events are looked up once per request (``access.managed_event_ids``), not once per question.
    """

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return manages_any_event(request)
        return manages(request, obj)

    def has_module_permission(self, request):
        return is_superuser(request.user) or manages_any_event(request)

    def has_view_permission(self, request, obj=None):
        if is_superuser(request.user):
            return super().has_view_permission(request, obj)
        return self._allowed(request, obj)

    def has_change_permission(self, request, obj=None):
        if is_superuser(request.user):
            return super().has_change_permission(request, obj)
        return self._allowed(request, obj)

    def has_delete_permission(self, request, obj=None):
        if is_superuser(request.user):
            return super().has_delete_permission(request, obj)
        return self._allowed(request, obj)

    def has_add_permission(self, request, *args):
        # ModelAdmin passes (request), an inline (request, obj): the inline's parent must be managed too.
        if is_superuser(request.user):
            return super().has_add_permission(request, *args)
        return self._allowed(request, args[0] if args else None)


class EventScopedQueryset:
    """Rows, foreign-key choices and related filters limited to the user's events (by the ids of the events,
    looked up once per request: one query, then a plain ``IN`` list in every query of the page)."""

    def get_queryset(self, request):
        return scope_to_managed(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class EventScopedAdmin(EventScopedPermissions, EventScopedQueryset, admin.ModelAdmin):
    """A ModelAdmin for events or for models with an ``event`` foreign key, scoped to the user's events.

    Its changelist does not count a large table row by row (``admin_paging``), nor the unfiltered table on top.
    """

    paginator = EstimatedCountPaginator
    show_full_result_count = False


class EventScopedInline(EventScopedPermissions, EventScopedQueryset):
    """Mix into an inline (before TabularInline/StackedInline); the parent's event decides."""


class PrefetchedChangeList(ChangeList):
    """A changelist whose ``list_select_related`` rows are fetched by a second query per relation (for the page's
    rows only) instead of joined: PostgreSQL then sorts the table alone and joins 100 rows, rather than joining
    100,000 tickets to their events and codes before sorting them (0.2 s for a sort by name on the benchmark)."""

    def apply_select_related(self, qs):
        related = self.list_select_related
        if related is True or related is False:
            return super().apply_select_related(qs)
        return qs.prefetch_related(*related)


class SubquerySearch:
    """Mix into a ModelAdmin whose ``search_fields`` cross a foreign key (``event__name``): the related rows are
    searched by a subquery (``event_id IN (SELECT ... WHERE name LIKE ...)``) instead of a join per searched row.

    The same rows as Django's search (every word must match some field, case-insensitively), but the OR across
    the join made PostgreSQL join all 100,000 tickets to their events before filtering (0.3 s on the large
    benchmark; 0.1 s this way). Fields with a lookup prefix (``^``, ``=``, ``@``) or a lookup of their own are left
    to Django.
    """

    def get_search_results(self, request, queryset, search_term):
        fields = list(self.get_search_fields(request))
        plain = all(not f.startswith(("^", "=", "@")) and "__" not in f.partition("__")[2] for f in fields)
        if not search_term or not fields or not plain:
            return super().get_search_results(request, queryset, search_term)
        for bit in smart_split(search_term):
            if bit[:1] in ("'", '"') and bit[-1:] == bit[:1]:
                bit = unescape_string_literal(bit)
            condition = Q()
            for name in fields:
                head, _, rest = name.partition("__")
                field = self.model._meta.get_field(head) if rest else None
                if field is not None and field.many_to_one:
                    related = field.related_model._default_manager.filter(**{f"{rest}__icontains": bit})
                    condition |= Q(**{f"{head}__in": related.values("pk")})
                else:
                    condition |= Q(**{f"{name}__icontains": bit})
            queryset = queryset.filter(condition)
        return queryset, False


#: The most rows an inline of an event's (or a code's) tickets or codes lists; the page links to the full list.
INLINE_ROWS = 50


class FirstRowsFormSet(BaseInlineFormSet):
    """An inline's formset of its first ``INLINE_ROWS`` rows only: an event of 10,000 tickets must not render (nor
    load) them all on its page. The parent's page says how many there are and links to their filtered changelist.
    """

    def get_queryset(self):
        if not hasattr(self, "first_rows"):
            self.first_rows = super().get_queryset()[:INLINE_ROWS]
        return self.first_rows


#: The most choices a filter lists; a filter that would list more shows a search box instead (and the chosen one).
FILTER_CHOICES = 30


def parameter_value(params: dict, name: str) -> str:
    """The last value of a changelist parameter (Django passes lists, older code strings)."""
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value or ""


class EventPageInline(EventScopedInline, admin.TabularInline):
    """A read-only list on the event's page of what the event holds (its tickets, its codes): its first
    ``INLINE_ROWS`` rows, each linking to its own page, where it is changed through its rules; the event page says
    how many there are and links to all of them."""

    formset = FirstRowsFormSet
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


#: The event page's lists, in the order shown. The apps that hold the rows add their own (``tickets.admin``,
#: ``discounts.admin``) with ``show_on_event_page``: the event, the core, names none of the apps built on it.
EVENT_PAGE_INLINES: list[type[EventPageInline]] = []


def show_on_event_page(inline: type[EventPageInline]) -> type[EventPageInline]:
    """Class decorator: list ``inline`` on the event's admin page (once, however often its module is imported)."""
    if inline not in EVENT_PAGE_INLINES:
        EVENT_PAGE_INLINES.append(inline)
    return inline


class ManagedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field filter offering only the user's events (or their tickets and codes), never thousands.

    It lists at most ``FILTER_CHOICES`` choices; when there are more (a superuser's 1,000 events), it lists the
    first ones and a search box (``<field>__q``, searched as the related admin searches), and always the chosen one.
    The page then costs the same two queries however many rows the related table holds.
    """

    template = "admin/eventsite/bounded_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.search_parameter = f"{field_path}__q"
        self.search_term = parameter_value(params, self.search_parameter)
        self.more = False
        self.hidden_parameters: list[tuple[str, str]] = []
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self):
        return [*super().expected_parameters(), self.search_parameter]

    def queryset(self, request, queryset):
        # The search box narrows the choices only, not the rows.
        self.used_parameters.pop(self.search_parameter, None)
        return super().queryset(request, queryset)

    def has_output(self):
        return self.more or super().has_output()

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        choices = scoped_choices(related, request)
        if choices is None:
            choices = related._default_manager.all()
        base = choices
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            choices = choices.order_by(*ordering)
        if self.search_term and model_admin.admin_site.is_registered(related):
            related_admin = model_admin.admin_site.get_model_admin(related)
            choices, distinct = related_admin.get_search_results(request, choices, self.search_term)
            choices = choices.distinct() if distinct else choices
        rows = list(choices[: FILTER_CHOICES + 1])
        self.more = len(rows) > FILTER_CHOICES or bool(self.search_term)
        rows = rows[:FILTER_CHOICES]
        chosen = [v for v in (self.lookup_val or []) if str(v).isdigit()]
        listed = {str(row.pk) for row in rows}
        missing = [int(v) for v in chosen if v not in listed]
        if missing:
            rows += list(base.filter(pk__in=missing))
        return [(row.pk, str(row)) for row in rows]

    def choices(self, changelist):
        # What the search box's form carries along: every other parameter of the page.
        self.hidden_parameters = [
            (name, value)
            for name, values in changelist.params.items()
            if name not in (self.search_parameter, self.lookup_kwarg, self.lookup_kwarg_isnull, "p")
            for value in (values if isinstance(values, list | tuple) else [values])
        ]
        yield from super().choices(changelist)
