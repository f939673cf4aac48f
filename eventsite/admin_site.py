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
from django.core.exceptions import ValidationError
from django.db.models import ForeignKey, ForeignObjectRel, Model, QuerySet
from django.http import HttpRequest

from .access import is_superuser, manages, manages_any_event, scope_to_managed
from .models import Event, InvitationStatus, OrganizerInvitation


def may_use_admin(user) -> bool:
    """Staff and superusers as in Django, every active user who owns or organizes at least one event, and anyone
    whose verified address has a pending invitation to organize one (they answer it there; they see nothing else)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or manages_any_event(user)
        or OrganizerInvitation.objects.addressed_to_user(user).filter(status=InvitationStatus.PENDING).exists()
    )


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
        return may_use_admin(request.user)

    def autocomplete_view(self, request: HttpRequest):
        return ScopedAutocompleteJsonView.as_view(admin_site=self)(request)


# --- Scoping every page to the user's events ---------------------------------------------------------------------


def is_event_data(model: type[Model]) -> bool:
    """Events, and models that belong to one (an ``event`` foreign key): what the admin scopes."""
    if model is Event:
        return True
    field = next((f for f in model._meta.get_fields() if f.name == "event"), None)
    return isinstance(field, ForeignKey) and field.related_model is Event


def scoped_choices(model: type[Model], user) -> QuerySet | None:
    """The choices a form field or filter pointing at ``model`` may offer, or None when it is not event data."""
    if is_event_data(model):
        return scope_to_managed(model._default_manager.all(), user)
    return None


class EventScopedPermissions:
    """``has_*_permission`` from event management; ``obj`` is the object itself, or for an inline its parent."""

    def _allowed(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return manages_any_event(request.user)
        return manages(request.user, obj)

    def has_module_permission(self, request):
        return is_superuser(request.user) or manages_any_event(request.user)

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
    """Rows, foreign-key choices and related filters limited to the user's events."""

    def get_queryset(self, request):
        return scope_to_managed(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        choices = scoped_choices(db_field.related_model, request.user)
        if choices is not None and "queryset" not in kwargs:
            kwargs["queryset"] = choices
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class EventScopedAdmin(EventScopedPermissions, EventScopedQueryset, admin.ModelAdmin):
    """A ModelAdmin for events or for models with an ``event`` foreign key, scoped to the user's events."""


class EventScopedInline(EventScopedPermissions, EventScopedQueryset):
    """Mix into an inline (before TabularInline/StackedInline); the parent's event decides."""


class EventPageInline(EventScopedInline, admin.TabularInline):
    """A read-only list on the event's page of what the event holds (its tickets, its codes), each row linking to
    its own page, where it is changed through its rules."""

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
    """A related-field filter offering only the user's events (or their tickets and codes), not every row."""

    def field_choices(self, field, request, model_admin):
        choices = scoped_choices(field.related_model, request.user)
        if choices is None:
            return super().field_choices(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in choices]
