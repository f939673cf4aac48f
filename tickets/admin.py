"""Admin for tickets: each ticket's code at a glance, and actions attaching or detaching many at once.

Every change goes through the rules (``tickets.rules`` for a ticket's own form, ``discounts.rules`` for the
actions), so a refused attachment shows the same message as the API and writes nothing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from discounts import rules as discount_rules
from discounts.admin import ATTACH_SOURCE, CODE_PARAMETER
from discounts.models import DiscountCode, UsedFor
from discounts.selectors import attachable_tickets
from eventsite.admin_scoping import EventScopedAdmin, ManagedRelatedFilter, scoped
from eventsite.errors import RuleError

from . import rules
from .models import Ticket

ATTACH_TEMPLATE = "admin/tickets/ticket/attach_to_code.html"
NO_CODE_TO_OFFER = "The events of the selected tickets have no discount code for tickets; create one first."
NOTHING_TO_DETACH = "None of the selected tickets has a discount code."


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = (
            "event",
            "name",
            "description",
            "type",
            "price",
            "min_price",
            "max_price",
            "quantity",
            "position",
            "min_order",
            "max_order",
            "sales_starts_at",
            "sales_ends_at",
            "is_hidden",
            "discount_code",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "discount_code" in self.fields:
            # Narrow the admin's choices (already limited to the user's events) to ticket codes of this event.
            codes = self.fields["discount_code"].queryset.filter(used_for=UsedFor.TICKET).select_related("event")
            if self.instance.event_id:
                codes = codes.filter(event_id=self.instance.event_id)
            self.fields["discount_code"].queryset = codes

    def validate_unique(self):
        """Validate through the rules module (not the model's constraints), so messages match the API's."""
        original = (
            Ticket.objects.select_related("discount_code").get(pk=self.instance.pk) if self.instance.pk else None
        )
        try:
            rules.raise_if(rules.ticket_problems(self.instance, original=original))
        except RuleError as error:
            self.add_error(None, error.as_validation_error(fields=set(self.fields)))


class AttachToCodeForm(forms.Form):
    """The intermediate page of the attach action: one ticket code of the selected tickets' events."""

    code = forms.ModelChoiceField(queryset=DiscountCode.objects.none(), label="Discount code", empty_label=None)

    def __init__(self, *args, codes: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = codes
        self.fields["code"].label_from_instance = lambda code: f"{code.code} ({code.formatted_value()}, {code.event})"


class DiscountCodeFilter(admin.SimpleListFilter):
    """Has a discount code: yes / no / which one (only codes of the user's events are offered)."""

    title = "discount code"
    parameter_name = "has_code"

    def lookups(self, request, model_admin):
        codes = scoped(DiscountCode.objects.filter(used_for=UsedFor.TICKET), request.user).select_related("event")
        return [("yes", "Has a code"), ("no", "No code")] + [
            (str(code.pk), f"{code.code} ({code.event})") for code in codes
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "yes":
            return queryset.filter(discount_code__isnull=False)
        if value == "no":
            return queryset.filter(discount_code__isnull=True)
        if value and value.isdigit():
            return queryset.filter(discount_code_id=int(value))
        return queryset


def is_attach_autocomplete(request) -> bool:
    """Whether this request is the code page's autocomplete asking which tickets may be attached."""
    match = request.resolver_match
    return (
        match is not None
        and match.url_name == "autocomplete"
        and all(request.GET.get(key) == value for key, value in ATTACH_SOURCE.items())
    )


@admin.register(Ticket)
class TicketAdmin(EventScopedAdmin):
    form = TicketForm
    list_display = ("name", "event", "type", "price", "quantity", "code_link", "sales_starts_at", "sales_ends_at")
    list_filter = (("event", ManagedRelatedFilter), "type", DiscountCodeFilter, "is_hidden")
    list_select_related = ("event", "discount_code")
    search_fields = ("name", "event__name")
    readonly_fields = ("sold_count", "created_at")
    actions = ["attach_to_code", "detach_from_code"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "event") if obj is not None else fields

    def get_search_results(self, request, queryset, search_term):
        """For the code page's autocomplete, offer only what that code could take (and only the user's)."""
        queryset, use_distinct = super().get_search_results(request, queryset, search_term)
        if not is_attach_autocomplete(request):
            return queryset, use_distinct
        code = None
        code_id = request.GET.get(CODE_PARAMETER, "")
        if code_id:
            codes = scoped(DiscountCode.objects.all(), request.user)
            code = codes.filter(pk=int(code_id)).first() if code_id.isdigit() else None
            if code is None:
                return queryset.none(), False
        return attachable_tickets(queryset, code=code), use_distinct

    @admin.display(description="discount code", ordering="discount_code__code")
    def code_link(self, obj: Ticket):
        if obj.discount_code is None:
            return "—"
        url = reverse(f"{self.admin_site.name}:discounts_discountcode_change", args=[obj.discount_code_id])
        return format_html('<a href="{}">{}</a>', url, obj.discount_code.code)

    def save_model(self, request, obj, form, change):
        rules.save_ticket(obj)

    def delete_model(self, request, obj):
        rules.delete_ticket(ticket=obj)

    @admin.action(description="Attach selected tickets to a discount code…", permissions=["change"])
    def attach_to_code(self, request, queryset):
        """Ask for one ticket code of the tickets' events, then attach all of them or none (the rules decide)."""
        tickets = list(queryset.select_related("event", "discount_code").order_by("event_id", "position", "pk"))
        codes = scoped(
            DiscountCode.objects.filter(used_for=UsedFor.TICKET, event__in={t.event_id for t in tickets}),
            request.user,
        ).select_related("event")
        if not codes.exists():
            self.message_user(request, NO_CODE_TO_OFFER, messages.WARNING)
            return None
        form = AttachToCodeForm(request.POST if "apply" in request.POST else None, codes=codes)
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                with transaction.atomic():
                    attached = discount_rules.attach_tickets(code=code, tickets=tickets)
            except RuleError as error:
                for message in error.messages:
                    form.add_error("code", message)
            else:
                attached_ids = {t.pk for t in attached}
                newly = [t for t in tickets if t.pk in attached_ids]
                names = [t.name for t in newly]
                self._log_attachment(request, code, newly, attached=True)
                self.message_user(
                    request,
                    f"Attached {len(names)} ticket(s) to “{code.code}”: {', '.join(names)}."
                    if names
                    else f"The selected tickets already had “{code.code}”.",
                    messages.SUCCESS,
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Attach tickets to a discount code",
            "opts": self.opts,
            "tickets": tickets,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, ATTACH_TEMPLATE, context)

    @admin.action(description="Detach selected tickets from their discount code", permissions=["change"])
    def detach_from_code(self, request, queryset):
        """Detach each selected ticket from its code; the tickets stay, at full price."""
        tickets = list(queryset.filter(discount_code__isnull=False).select_related("discount_code"))
        if not tickets:
            self.message_user(request, NOTHING_TO_DETACH, messages.WARNING)
            return
        by_code: dict[int, list[Ticket]] = {}
        for ticket in tickets:
            by_code.setdefault(ticket.discount_code_id, []).append(ticket)
        with transaction.atomic():
            for group in by_code.values():
                code = group[0].discount_code
                discount_rules.detach_tickets(code=code, tickets=group)
                self._log_attachment(request, code, group, attached=False)
        self.message_user(
            request, f"Detached {len(tickets)} ticket(s): {', '.join(t.name for t in tickets)}.", messages.SUCCESS
        )

    def _log_attachment(self, request, code: DiscountCode, tickets: list[Ticket], *, attached: bool) -> None:
        """History on both sides: the code lists the tickets, each ticket names the code."""
        if not tickets:
            return
        verb = "attached" if attached else "detached"
        names = ", ".join(t.name for t in tickets)
        self.log_change(request, code, [{"changed": {"fields": [f"{verb} tickets: {names}"]}}])
        side = "to" if attached else "from"
        for ticket in tickets:
            self.log_change(request, ticket, [{"changed": {"fields": [f"{verb} {side} discount code {code.code}"]}}])
