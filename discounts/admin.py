"""Admin for discount codes: a ticket code's page attaches tickets (autocomplete) and detaches them (inline).

Every write goes through ``discounts.rules``; the classes here only collect the input and show the rule's
message on the form. What an organizer sees is scoped to their events (``eventsite.admin_site``).
"""

from urllib.parse import urlencode

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from eventsite.access import scope_to_managed
from eventsite.admin_site import (
    INLINE_ROWS,
    EventPageInline,
    EventScopedAdmin,
    EventScopedInline,
    FirstRowsFormSet,
    ManagedRelatedFilter,
    show_on_event_page,
)
from eventsite.errors import RuleError
from history.admin import HistoryButtonMixin
from history.models import ObjectType
from tickets.models import Ticket

from . import rules, states, text
from .admin_campaigns import CampaignAdminMixin
from .admin_tickets import CODE_PARAMETER, TicketCodesAdmin
from .models import DiscountCode, UsedFor
from .selectors import attachable_tickets

EVENT_CODE_NOTE = (
    "This code applies to every paid ticket of its event that is not hidden; it takes no tickets of its own."
)
ATTACH_HELP = "Type to search the event's tickets that are not free and have no other code."


class AttachTicketsWidget(AutocompleteSelectMultiple):
    """Django's select2 autocomplete over ``DiscountCode.tickets``, asking for the candidates of one code.

    The code's id travels in the URL (jQuery adds select2's own parameters to it), so the server can offer
    only that code's event's tickets; it checks the code against the user's events itself.
    """

    def __init__(self, admin_site, code: DiscountCode | None = None, attrs=None):
        super().__init__(DiscountCode._meta.get_field("tickets"), admin_site, attrs=attrs)
        self.code_pk = code.pk if code is not None else None

    def get_url(self) -> str:
        url = super().get_url()
        return f"{url}?{urlencode({CODE_PARAMETER: self.code_pk})}" if self.code_pk else url


class DiscountCodeForm(forms.ModelForm):
    attach = forms.ModelMultipleChoiceField(
        queryset=Ticket.objects.none(), required=False, label="Attach tickets", help_text=ATTACH_HELP
    )
    discount_url = forms.URLField(max_length=500, required=False, assume_scheme="https")

    # Set per request by DiscountCodeAdmin.get_form.
    user = None
    admin_site = admin.site

    class Meta:
        model = DiscountCode
        fields = ("event", "code", "used_for", *rules.TERM_FIELDS)  # shown in DiscountCodeAdmin.fieldsets
        # The model's bound, stated as the rule states it (one message whatever the door).
        error_messages = {"code": {"max_length": rules.CODE_TOO_LONG}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.instance if self.instance.pk else None
        field = self.fields["attach"]
        field.widget = AttachTicketsWidget(self.admin_site, code=code)
        tickets = scope_to_managed(Ticket.objects.all(), self.user) if self.user is not None else Ticket.objects.none()
        field.queryset = attachable_tickets(tickets, code=code).order_by("event_id", "position", "pk")

    def validate_unique(self):
        """Validate through the rules module (not the model's constraints), so messages match the API's."""
        original = DiscountCode.objects.get(pk=self.instance.pk) if self.instance.pk else None
        problems = rules.code_problems(
            code=self.instance, tickets=self.cleaned_data.get("attach") or [], original=original
        )
        try:
            # A field its form field refused (a NUL, say) is not on the instance: the rules would see it blank.
            rules.raise_if([p for p in problems if p.field not in self.errors])
        except RuleError as error:
            self.add_error(None, self._on_attach(error.as_validation_error(fields=self._rule_fields())))

    def _rule_fields(self) -> set[str]:
        fields = set(self.fields)
        if "attach" in fields:
            fields.add("tickets")
        return fields

    @staticmethod
    def _on_attach(errors):
        """A rule about "tickets" belongs to the attach field on this form."""
        if hasattr(errors, "error_dict") and "tickets" in errors.error_dict:
            errors.error_dict.setdefault("attach", []).extend(errors.error_dict.pop("tickets"))
        return errors


class AttachedTicketForm(forms.ModelForm):
    detach = forms.BooleanField(required=False, label="Detach")

    class Meta:
        model = Ticket
        fields = ()


class AttachedTicketFormSet(FirstRowsFormSet):
    """Lists a code's first tickets (the page links to all of them); a ticked “Detach” detaches (never deletes) and
    nothing else is written."""

    def to_detach(self) -> list[Ticket]:
        return [f.instance for f in self.forms if f.cleaned_data.get("detach")]

    def save(self, commit=True):
        # The admin reads these for its change message; nothing is created, changed or deleted here.
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        return []


class AttachedTicketInline(EventScopedInline, admin.TabularInline):
    model = Ticket
    fk_name = "discount_code"
    form = AttachedTicketForm
    formset = AttachedTicketFormSet
    fields = ("name", "type", "price", "quantity", "sales_window", "detach")
    readonly_fields = ("name", "type", "price", "quantity", "sales_window")
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "attached ticket"
    verbose_name_plural = f"attached tickets (the first {INLINE_ROWS})"

    def has_add_permission(self, request, obj=None):
        return False  # tickets are attached with the autocomplete above, never created here

    @admin.display(description="sales window")
    def sales_window(self, ticket: Ticket) -> str:
        return sales_window(ticket)


def sales_window(ticket: Ticket) -> str:
    def moment(value) -> str:
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    if not ticket.sales_starts_at and not ticket.sales_ends_at:
        return "always"
    if not ticket.sales_ends_at:
        return f"from {moment(ticket.sales_starts_at)}"
    if not ticket.sales_starts_at:
        return f"until {moment(ticket.sales_ends_at)}"
    return f"{moment(ticket.sales_starts_at)} – {moment(ticket.sales_ends_at)}"


def is_autocomplete(request) -> bool:
    """Whether the request is the admin's autocomplete view (its search, not a changelist)."""
    match = getattr(request, "resolver_match", None)
    return match is not None and match.url_name == "autocomplete"


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [(s.value, s.label) for s in states.CodeState]

    def queryset(self, request, queryset):
        if self.value():
            return states.filter_state(queryset, self.value(), timezone.now())
        return queryset


@show_on_event_page
class EventDiscountCodeInline(EventPageInline):
    model = DiscountCode
    fields = ("code", "used_for", "type", "value", "is_active", "valid_from", "valid_till")
    verbose_name_plural = f"discount codes (the first {INLINE_ROWS})"


@admin.register(DiscountCode)
class DiscountCodeAdmin(HistoryButtonMixin, CampaignAdminMixin, EventScopedAdmin):
    history_object_type = ObjectType.DISCOUNT_CODE
    form = DiscountCodeForm
    export_template_name = "admin/discounts/discountcode/export.html"  # the library's, without inline code (CSP)

    class Media:
        css = {"all": ["discounts/admin.css"]}  # state badges (no inline styles under the CSP)

    inlines = [AttachedTicketInline]
    list_display = ("code", "event", "used_for", "discount", "is_active", "state", "ticket_count", "usage")
    list_filter = (("event", ManagedRelatedFilter), StateFilter, "used_for", "type", "is_active")
    list_select_related = ("event",)
    search_fields = ("code_key__contains", "code")
    readonly_fields = ("marketer", "created_at", "uses", "attached_list")
    autocomplete_fields = ("event",)
    fieldsets = (
        (None, {"fields": ("event", "code", "used_for", "is_active")}),
        ("Discount", {"fields": ("type", "value", "discount_url")}),
        (
            "Limits",
            {
                "fields": (
                    "tickets_number",
                    "uses",
                    "min_quantity",
                    "max_quantity",
                    "valid_from",
                    "valid_till",
                )
            },
        ),
        ("History", {"fields": ("marketer", "created_at")}),
        # Last, so the attach field sits right above the inline of attached tickets.
        ("Tickets", {"fields": ("attach", "attached_list")}),
    )

    def get_search_results(self, request, queryset, search_term):
        """Search by key (``text.key``), so any letter case or compatibility form of a code finds it. A ticket's
        code is chosen among ticket codes (what the ticket form accepts)."""
        queryset, distinct = super().get_search_results(request, queryset, text.key(search_term))
        if is_autocomplete(request) and request.GET.get("model_name") == "ticket":
            queryset = queryset.filter(used_for=UsedFor.TICKET)
        return queryset, distinct

    def get_queryset(self, request):
        # Meta.ordering does not apply to an aggregate query; keep pages (and autocomplete pages) stable.
        queryset = super().get_queryset(request)
        if is_autocomplete(request):  # names only: no count of every code's tickets
            return queryset.order_by("event_id", "pk")
        # A count per listed code (a subquery PostgreSQL runs for the page's rows only), not a GROUP BY joining
        # every code to every ticket before the page is cut (0.9 s on the large benchmark).
        tickets = Ticket.objects.filter(discount_code=OuterRef("pk")).order_by().values("discount_code")
        total = Subquery(tickets.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
        return queryset.annotate(ticket_total=Coalesce(total, 0)).order_by("event_id", "pk")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user, "admin_site": self.admin_site})

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None:
            # Fixed after creation (rules.USED_FOR_FIXED, rules.EVENT_FIXED).
            fields = (*fields, "event", "used_for")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.used_for == UsedFor.EVENT:
            return [fs for fs in fieldsets if fs[0] != "Tickets"] + [
                ("Tickets", {"fields": (), "description": EVENT_CODE_NOTE})
            ]
        return fieldsets

    def get_inlines(self, request, obj):
        if obj is None or obj.used_for == UsedFor.EVENT:
            return []
        return super().get_inlines(request, obj)

    @admin.display(description="attached tickets")
    def attached_list(self, obj: DiscountCode | None) -> str:
        """How many tickets the code has, and a link to all of them (its inline lists the first INLINE_ROWS)."""
        if obj is None or obj.pk is None:
            return "–"
        total = obj.tickets.count()
        url = reverse(f"{self.admin_site.name}:tickets_ticket_changelist")
        return format_html('{} · <a href="{}?has_code={}">list them all</a>', total, url, obj.pk)

    @admin.display(description="discount")
    def discount(self, obj: DiscountCode) -> str:
        return obj.formatted_value()

    @admin.display(description="tickets", ordering="ticket_total")
    def ticket_count(self, obj: DiscountCode):
        return obj.ticket_total if obj.used_for == UsedFor.TICKET else "all paid"

    @admin.display(description="state")
    def state(self, obj: DiscountCode) -> str:
        state = states.state_of(obj, timezone.now())
        # Colours in discounts/static/discounts/admin.css (no inline styles under the site's CSP).
        return format_html('<span class="code-state code-state-{}">{}</span>', state.value, state.label)

    @admin.display(description="uses")
    def uses(self, obj: DiscountCode) -> str:
        """Used so far (by placed orders) and what remains of the limit."""
        if obj is None or obj.pk is None:
            return "–"
        if obj.tickets_number is None:
            return f"used {obj.used_count} times; no limit"
        return f"used {obj.used_count} of {obj.tickets_number}; {rules.remaining_uses(obj)} left"

    @admin.display(description="used / limit")
    def usage(self, obj: DiscountCode) -> str:
        limit = "unlimited" if obj.tickets_number is None else str(obj.tickets_number)
        return f"{obj.used_count} / {limit}"

    # Writes go through the rules module; the admin's own transaction wraps the whole request.
    def save_model(self, request, obj, form, change):
        if change:
            rules.save_code_changes(obj)
        else:
            if obj.marketer_id is None:
                obj.marketer = request.user
            rules.save_new_code(obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        attach = list(form.cleaned_data.get("attach") or [])
        if attach:
            rules.attach_tickets(code=form.instance, tickets=attach)

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, AttachedTicketFormSet):
            rules.detach_tickets(code=form.instance, tickets=formset.to_detach())
            formset.save()
        else:
            super().save_formset(request, form, formset, change)

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        attached = [t.name for t in form.cleaned_data.get("attach") or []]
        detached = [
            f.instance.name
            for formset in formsets
            if isinstance(formset, AttachedTicketFormSet)
            for f in formset.forms
            if f.cleaned_data.get("detach")
        ]
        if attached:
            message.append({"changed": {"fields": [f"attached tickets: {', '.join(attached)}"]}})
        if detached:
            message.append({"changed": {"fields": [f"detached tickets: {', '.join(detached)}"]}})
        return message

    # Deleting a code keeps its tickets: they are detached first (rules.delete_code).
    def delete_model(self, request, obj):
        rules.delete_code(code=obj)

    def delete_queryset(self, request, queryset):
        rules.delete_codes(codes=queryset)

    def get_deleted_objects(self, objs, request):
        codes = list(objs)
        tickets = Ticket.objects.filter(discount_code__in=codes).order_by("discount_code_id", "position", "pk")
        by_code: dict[int, list[str]] = {}
        for ticket in tickets:
            by_code.setdefault(ticket.discount_code_id, []).append(
                f"Ticket “{ticket.name}” is detached and stays on sale at full price (not deleted)"
            )
        to_delete = []
        for code in codes:
            to_delete.append(f"Discount code: {code.code}")
            if by_code.get(code.pk):
                to_delete.append(by_code[code.pk])
        refused = [code for code in codes if not self.has_delete_permission(request, code)]
        perms_needed = {"discount code"} if refused else set()
        # A code that must stay (rules.deletion_problems, e.g. used by placed orders): the page refuses to delete.
        protected = [problem.message for problem in rules.deletion_problems(codes)]
        return to_delete, {"discount codes": len(codes)}, perms_needed, protected


# The tickets' admin, with what concerns their codes (discounts.admin_tickets).
admin.site.unregister(Ticket)
admin.site.register(Ticket, TicketCodesAdmin)
