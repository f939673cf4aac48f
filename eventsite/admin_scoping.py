"""Scope every admin page to the events the user manages (owns or organizes); superusers see everything.

One mixin answers every question the admin asks, from the same fact (``Event.objects.managed_by``): which rows
a changelist, autocomplete, action or delete confirmation may hold (``get_queryset``); which objects a change,
delete or history page may open (object-level ``has_*_permission``); which choices a foreign-key field or a
filter offers. Organizers need no Django model permissions: managing an event is the permission, so there is
nothing to grant and nothing to drift. An object outside the scope is not found (the admin then redirects to
its index with "doesn't exist"), or refused with 403 where Django asks for a permission.
"""

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from .access import event_id_of
from .models import Event


def is_superuser(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_superuser


def managed_events(user) -> QuerySet:
    return Event.objects.managed_by(user)


def manages_any_event(user) -> bool:
    return managed_events(user).exists()


def manages(user, obj: Model) -> bool:
    event_id = event_id_of(obj)
    return event_id is not None and managed_events(user).filter(pk=event_id).exists()


def scoped(queryset: QuerySet, user) -> QuerySet:
    """Rows of ``queryset`` (events, or models with an ``event`` foreign key) that belong to the user's events."""
    if is_superuser(user):
        return queryset
    lookup = "pk__in" if queryset.model is Event else "event__in"
    # A subquery rather than Event.objects.managed_by's DISTINCT join, so the result can still be deleted.
    return queryset.filter(**{lookup: managed_events(user).values("pk")})


def scoped_choices(model: type[Model], user) -> QuerySet | None:
    """The choices a form field or filter pointing at ``model`` may offer, or None when it is not event data."""
    from discounts.models import DiscountCode
    from tickets.models import Ticket

    if model in (Event, Ticket, DiscountCode):
        return scoped(model._default_manager.all(), user)
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
        return scoped(super().get_queryset(request), request.user)

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


class ManagedRelatedFilter(admin.RelatedFieldListFilter):
    """A related-field filter offering only the user's events (or their tickets and codes), not every row."""

    def field_choices(self, field, request, model_admin):
        choices = scoped_choices(field.related_model, request.user)
        if choices is None:
            return super().field_choices(field, request, model_admin)
        return [(obj.pk, str(obj)) for obj in choices]
