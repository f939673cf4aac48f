"""Admin for tickets: a ticket's own form, through ``tickets.rules``; its code is shown by the foreign key only.

What concerns discount codes (the choice of codes, the filter by code, the actions attaching or detaching many
tickets at once, the code page's autocomplete) is added by ``discounts.admin_tickets``, which builds on this
class: dependencies point from discounts to tickets, never back.
"""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from eventsite.admin_site import (
    INLINE_ROWS,
    EventPageInline,
    EventScopedAdmin,
    ManagedRelatedFilter,
    PrefetchedChangeList,
    SubquerySearch,
    show_on_event_page,
)
from eventsite.errors import RuleError
from history.admin import HistoryButtonMixin
from history.models import ObjectType

from . import rules
from .models import OWN_FIELDS, Ticket


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = ("event", *OWN_FIELDS, "discount_code")

    def validate_unique(self):
        """Validate through the rules module (not the model's constraints), so messages match the API's."""
        original = (
            Ticket.objects.select_related("discount_code").get(pk=self.instance.pk) if self.instance.pk else None
        )
        try:
            rules.raise_if(rules.ticket_problems(self.instance, original=original))
        except RuleError as error:
            self.add_error(None, error.as_validation_error(fields=set(self.fields)))


@show_on_event_page
class EventTicketInline(EventPageInline):
    model = Ticket
    fields = ("name", "type", "price", "quantity", "discount_code", "is_hidden")
    verbose_name_plural = f"tickets (the first {INLINE_ROWS})"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("discount_code")


@admin.register(Ticket)
class TicketAdmin(HistoryButtonMixin, SubquerySearch, EventScopedAdmin):
    history_object_type = ObjectType.TICKET
    form = TicketForm
    list_display = ("name", "event", "type", "price", "quantity", "code_link", "sales_starts_at", "sales_ends_at")
    list_filter = (("event", ManagedRelatedFilter), "type", "is_hidden")
    list_select_related = ("event", "discount_code")  # prefetched (PrefetchedChangeList), not joined

    def get_changelist(self, request, **kwargs):
        return PrefetchedChangeList

    search_fields = ("name", "event__name")
    readonly_fields = ("sold_count", "created_at")

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "event") if obj is not None else fields

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
