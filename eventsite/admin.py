"""Admin of users, events and organizer invitations.

Organizers join an event by invitation only: its owner invites an e-mail address from the event's page (the
"Organizer invitations" inline), and whoever has an account with that address accepts or declines under
*Organizer invitations*. Nobody, superusers included, adds an organizer by picking a user; the owner removes one
by ticking it under "Remove organizers". Every write goes through ``eventsite.rules`` (an event's form is checked
by ``rules.event_problems``, its save is ``rules.save_event``).
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from . import rules
from .access import is_superuser
from .addresses import canonical_email
from .admin_site import EVENT_PAGE_INLINES, EventScopedAdmin
from .errors import RuleError
from .models import Event, InvitationStatus, OrganizerInvitation, User


class EmailUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class EmailUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "is_active", "is_staff", "is_superuser")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = EmailUserCreationForm
    form = EmailUserChangeForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined", "email_verified_at")}),
    )
    readonly_fields = ("email_verified_at",)
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            rules.deactivate_user(user=obj)  # its API tokens stay dead even if the account is reactivated


class InvitationForm(forms.ModelForm):
    """A row of the event's invitations: a new row invites an address; a pending one can be revoked."""

    revoke = forms.BooleanField(required=False, label="Revoke")

    class Meta:
        model = OrganizerInvitation
        fields = ("email",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["email"].disabled = True
            self.fields["revoke"].disabled = self.instance.status != InvitationStatus.PENDING

    def clean_email(self):
        email = self.cleaned_data.get("email")
        return canonical_email(email) if email else email  # what the API stores: NFKC, domain lower-cased

    def clean(self):
        cleaned = super().clean()
        event = self.instance.event if self.instance.event_id else None
        if self.instance.pk is None and cleaned.get("email") and event is not None:
            email = cleaned["email"]
            for problem in rules.invitation_problems(event=event, email=email):
                self.add_error("email", problem.message)
        return cleaned

    def validate_unique(self):
        """A second invitation of a pending address returns the first (``rules.invite_organizer``), no error."""


class InvitationFormSet(BaseInlineFormSet):
    def save(self, commit=True):
        # EventAdmin.save_formset writes through the rules; the admin reads these for its change message.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class OrganizerInvitationInline(admin.TabularInline):
    """The event's invitations, on its page; only its owner (and superusers) see them and invite."""

    model = OrganizerInvitation
    form = InvitationForm
    formset = InvitationFormSet
    fields = ("email", "status", "created_at", "responded_at", "revoke")
    readonly_fields = ("status", "created_at", "responded_at")
    extra = 1
    can_delete = False
    verbose_name = "organizer invitation"
    verbose_name_plural = "organizer invitations (each address gets a mail; they accept or decline it themselves)"

    def _may(self, request, obj) -> bool:
        # Without an event (Django asks so when it reads the rows), the parent event's page decides; the inline
        # is left off the add page (EventAdmin.get_inlines): an event is invited to once it exists.
        return obj is None or rules.may_invite(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class EventForm(forms.ModelForm):
    remove_organizers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Remove organizers",
        help_text="Tick an organizer to remove them from the event. New organizers join by invitation (below).",
    )

    class Meta:
        model = Event
        fields = ("name", "description", "starts_at", "ends_at", "timezone", "payment_currency")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["remove_organizers"].queryset = self.instance.organizers.order_by("email")

    def validate_unique(self):
        """Validate through the event rules (``rules.event_problems``), each message on its field as the API
        shows it; a field its form field refused already (a date that is not one) is not reported twice."""
        problems = [p for p in rules.event_problems(self.instance) if p.field not in self.errors]
        if problems:
            self.add_error(None, RuleError(problems).as_validation_error(fields=set(self.fields)))


@admin.register(Event)
class EventAdmin(EventScopedAdmin):
    form = EventForm
    list_display = ("name", "identifier", "starts_at", "ends_at", "payment_currency", "owner")
    search_fields = ("name", "identifier")
    list_filter = ("payment_currency",)
    list_select_related = ("owner",)
    readonly_fields = ("identifier", "created_at", "owner", "organizer_list", "held")

    def get_inlines(self, request, obj):
        """The lists the apps put on the event page (``admin_site.show_on_event_page``), then its invitations
        (left off the add page: an event is invited to once it exists)."""
        return [*EVENT_PAGE_INLINES, OrganizerInvitationInline] if obj is not None else list(EVENT_PAGE_INLINES)

    def get_fields(self, request, obj=None):
        fields = ["name", "description", "starts_at", "ends_at", "timezone", "payment_currency"]
        if obj is None:
            return fields
        fields += ["identifier", "created_at", "owner", "organizer_list", "held"]
        if rules.may_invite(request.user, obj) and obj.organizers.exists():
            fields.append("remove_organizers")
        return fields

    @admin.display(description="organizers")
    def organizer_list(self, obj: Event) -> str:
        # Shown only to those who run this event: an organizer sees the e-mails of the events they share.
        return ", ".join(obj.organizers.order_by("email").values_list("email", flat=True)) or "none"

    @admin.display(description="all of them")
    def held(self, obj: Event) -> str:
        """How many rows of each list on the page the event has, and a link to all of them (each list shows its
        first ``admin_site.INLINE_ROWS``); the lists are the apps' (``EVENT_PAGE_INLINES``)."""
        lines = []
        for inline in EVENT_PAGE_INLINES:
            opts = inline.model._meta
            total = inline.model._default_manager.filter(event=obj).count()
            url = reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")
            lines.append((total, opts.verbose_name_plural, url, obj.pk))
        return format_html_join(mark_safe("<br>"), '{} {} · <a href="{}?event__id__exact={}">list them all</a>', lines)

    def has_delete_permission(self, request, obj=None):
        """Deleting an event deletes its tickets and codes (the confirmation lists them): its owner's call."""
        if obj is not None and not is_superuser(request.user):
            return obj.owner_id == request.user.pk
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user  # whoever creates an event owns it; nobody is made an owner by others
        rules.save_event(obj)
        leaving = list(form.cleaned_data.get("remove_organizers") or [])
        if leaving and rules.may_invite(request.user, obj):
            rules.remove_organizers(event=obj, users=leaving)

    def save_formset(self, request, form, formset, change):
        if formset.model is not OrganizerInvitation:
            return super().save_formset(request, form, formset, change)
        formset.save()
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None) or {}
            try:
                if row.instance.pk is None and data.get("email"):
                    invitation, created = rules.invite_organizer(
                        event=form.instance, email=data["email"], invited_by=request.user
                    )
                    if created:
                        formset.new_objects.append(invitation)
                elif row.instance.pk is not None and data.get("revoke"):
                    formset.changed_objects.append((rules.revoke_invitation(invitation=row.instance), ["status"]))
            except RuleError as error:  # the state changed since the form was checked
                self.message_user(request, " ".join(error.messages), messages.ERROR)


@admin.register(OrganizerInvitation)
class OrganizerInvitationAdmin(admin.ModelAdmin):
    """Invitations the user received (by their account's e-mail address) and those of the events they own.

    Answered with the actions: the invitee accepts or declines, the owner revokes. Nothing is edited by hand. The
    invitation's status and ``responded_at`` are its history: no log entry, whose actor (an e-mail address) would
    be shown to people who share no event with them.
    """

    list_display = ("email", "event", "status", "created_at", "responded_at")
    list_filter = ("status",)
    list_select_related = ("event",)
    search_fields = ("email", "event__name")
    actions = ["accept", "decline", "revoke"]
    fields = ("event", "email", "status", "created_at", "responded_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).visible_to(request.user)

    def has_module_permission(self, request):
        return self.get_queryset(request).exists()

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return self.has_module_permission(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False  # invitations are sent from the event's page

    def has_delete_permission(self, request, obj=None):
        return False

    def _each(self, request, queryset, act, allowed, refusal: str, verb: str) -> None:
        """``act`` on each selected invitation ``allowed`` for the user; each refusal is said, with the rule's
        message."""
        done = 0
        for invitation in queryset.select_related("event"):
            if not allowed(invitation):
                self.message_user(request, f"{invitation}: {refusal}", messages.ERROR)
                continue
            try:
                act(invitation)
            except RuleError as error:
                self.message_user(request, f"{invitation}: {' '.join(error.messages)}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(request, f"{done} invitation(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Accept selected invitations (become an organizer)")
    def accept(self, request, queryset):
        user = request.user
        self._each(
            request,
            queryset,
            lambda i: rules.accept_invitation(invitation=i, user=user),
            lambda i: rules.is_invitee(user, i),
            rules.ONLY_INVITEE_ANSWERS,
            "accepted",
        )

    @admin.action(description="Decline selected invitations")
    def decline(self, request, queryset):
        user = request.user
        self._each(
            request,
            queryset,
            lambda i: rules.decline_invitation(invitation=i, user=user),
            lambda i: rules.is_invitee(user, i),
            rules.ONLY_INVITEE_ANSWERS,
            "declined",
        )

    @admin.action(description="Revoke selected invitations (as the event's owner)")
    def revoke(self, request, queryset):
        user = request.user
        self._each(
            request,
            queryset,
            lambda i: rules.revoke_invitation(invitation=i),
            lambda i: rules.may_invite(user, i.event),
            rules.ONLY_OWNER_CHANGES_ORGANIZERS,
            "revoked",
        )
