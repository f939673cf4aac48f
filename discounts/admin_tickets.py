"""The tickets' admin with what concerns discount codes: a ticket's choice of code (ticket codes of its event),
the filter by code, the actions attaching or detaching many tickets at once, and the candidates the code page's
autocomplete offers. ``tickets.admin`` is the ticket's own admin; this module builds on it and takes its place
(``discounts.admin`` registers it), so dependencies point from discounts to tickets, never back.

Every change goes through the rules (``tickets.rules`` for a ticket's own form, ``discounts.rules`` for the
actions), so a refused attachment shows the same message as the API and writes nothing.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.template.response import TemplateResponse

from eventsite.access import scope_to_managed
from eventsite.admin_site import FILTER_CHOICES, ManagedRelatedFilter
from eventsite.errors import RuleError
from tickets.admin import TicketAdmin, TicketForm
from tickets.models import Ticket

from . import rules as discount_rules
from .models import DiscountCode, UsedFor
from .selectors import attachable_tickets

ATTACH_TEMPLATE = "admin/tickets/ticket/attach_to_code.html"
NO_CODE_TO_OFFER = "The events of the selected tickets have no discount code for tickets; create one first."
NOTHING_TO_DETACH = "None of the selected tickets has a discount code."

# The code page's autocomplete asks for candidates of this relation; TicketCodesAdmin.get_search_results narrows
# them to what that code (named by CODE_PARAMETER in the URL) could take.
ATTACH_SOURCE = {"app_label": "discounts", "model_name": "discountcode", "field_name": "tickets"}
CODE_PARAMETER = "code"


class TicketCodeForm(TicketForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "discount_code" in self.fields:
            # Narrow the admin's choices (already limited to the user's events) to ticket codes of this event.
            codes = self.fields["discount_code"].queryset.filter(used_for=UsedFor.TICKET).select_related("event")
            if self.instance.event_id:
                codes = codes.filter(event_id=self.instance.event_id)
            self.fields["discount_code"].queryset = codes


class AttachToCodeForm(forms.Form):
    """The intermediate page of the attach action: one ticket code of the selected tickets' events."""

    code = forms.ModelChoiceField(queryset=DiscountCode.objects.none(), label="Discount code", empty_label=None)

    def __init__(self, *args, codes: QuerySet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].queryset = codes
        self.fields["code"].label_from_instance = lambda code: f"{code.code} ({code.formatted_value()}, {code.event})"


class DiscountCodeFilter(admin.SimpleListFilter):
    """Has a discount code: yes / no / which one (only codes of the user's events are offered).

    It names at most ``FILTER_CHOICES`` codes (and always the chosen one): a superuser's 10,000 codes would make
    the page megabytes. A code's own page links to its tickets here (``?has_code=<id>``).
    """

    title = "discount code"
    parameter_name = "has_code"

    def lookups(self, request, model_admin):
        codes = scope_to_managed(DiscountCode.objects.filter(used_for=UsedFor.TICKET), request).select_related("event")
        first = list(codes.order_by("event_id", "pk")[: FILTER_CHOICES + 1])
        if len(first) > FILTER_CHOICES:
            value = self.value() or ""
            first = list(codes.filter(pk=int(value))) if value.isdigit() else []
        return [("yes", "Has a code"), ("no", "No code")] + [
            (str(code.pk), f"{code.code} ({code.event})") for code in first
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


class TicketCodesAdmin(TicketAdmin):
    form = TicketCodeForm
    # Searched as one types, rather than a <select> of every event and every ticket code.
    autocomplete_fields = ("event", "discount_code")
    list_filter = (("event", ManagedRelatedFilter), "type", DiscountCodeFilter, "is_hidden")
    actions = ["attach_to_code", "detach_from_code"]

    def get_search_results(self, request, queryset, search_term):
        """For the code page's autocomplete, offer only what that code could take (and only the user's)."""
        queryset, use_distinct = super().get_search_results(request, queryset, search_term)
        if not is_attach_autocomplete(request):
            return queryset, use_distinct
        code = None
        code_id = request.GET.get(CODE_PARAMETER, "")
        if code_id:
            codes = scope_to_managed(DiscountCode.objects.all(), request)
            code = codes.filter(pk=int(code_id)).first() if code_id.isdigit() else None
            if code is None:
                return queryset.none(), False
        return attachable_tickets(queryset, code=code), use_distinct

    @admin.action(description="Attach selected tickets to a discount code…", permissions=["change"])
    def attach_to_code(self, request, queryset):
        """Ask for one ticket code of the tickets' events, then attach all of them or none (the rules decide)."""
        tickets = list(queryset.select_related("event", "discount_code").order_by("event_id", "position", "pk"))
        codes = scope_to_managed(
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
