"""Admin for tickets: a ticket's discount code is chosen here too, through the same rules."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from discounts.models import DiscountCode, UsedFor
from eventsite.errors import RuleError

from . import rules
from .models import Ticket


class TicketForm(forms.ModelForm):
    class Meta:
        model = Ticket
        fields = (
            "event",
            "name",
            "description",
            "type",
            "price",
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
            codes = DiscountCode.objects.filter(used_for=UsedFor.TICKET).select_related("event")
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
            self._update_errors(error.as_validation_error(fields=set(self.fields)))


class HasDiscountCodeFilter(admin.SimpleListFilter):
    title = "discount code"
    parameter_name = "has_code"

    def lookups(self, request, model_admin):
        return [("yes", "Has a code"), ("no", "No code")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(discount_code__isnull=False)
        if self.value() == "no":
            return queryset.filter(discount_code__isnull=True)
        return queryset


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    form = TicketForm
    list_display = ("name", "event", "type", "price", "quantity", "code_link", "sales_starts_at", "sales_ends_at")
    list_filter = ("event", "type", HasDiscountCodeFilter, "is_hidden")
    list_select_related = ("event", "discount_code")
    search_fields = ("name", "event__name")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "event") if obj is not None else fields

    @admin.display(description="discount code", ordering="discount_code__code")
    def code_link(self, obj: Ticket):
        if obj.discount_code is None:
            return "—"
        url = reverse("admin:discounts_discountcode_change", args=[obj.discount_code_id])
        return format_html('<a href="{}">{}</a>', url, obj.discount_code.code)

    def save_model(self, request, obj, form, change):
        rules.save_ticket(obj)

    def delete_model(self, request, obj):
        rules.delete_ticket(ticket=obj)
