"""The admin site as the organizers' workplace: whoever owns or organizes an event may log in.

Django's own site admits staff only. Organizers are not made staff (``is_staff`` would be a second, drifting
record of who manages what); the site asks the events instead. What they then see is scoped object by object
in ``eventsite.admin_scoping``.
"""

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.core.exceptions import ValidationError
from django.db.models import ForeignObjectRel
from django.http import HttpRequest

from .models import Event, InvitationStatus, OrganizerInvitation


def may_use_admin(user) -> bool:
    """Staff and superusers as in Django, every active user who owns or organizes at least one event, and anyone
    whose verified address has a pending invitation to organize one (they answer it there; they see nothing else)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        user.is_staff
        or user.is_superuser
        or Event.objects.managed_by(user).exists()
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
