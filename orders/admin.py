"""Orders in the admin: read-only for organizers (their events only), cancelled through the order rules.

The report pages of discount codes live here too, where their data does: a page per code (with SVG charts) and
per event (codes ranked by use), added to the discount codes' admin (``DiscountCodeReportsAdmin``) under its
URLs, with a link on each code's page.
"""

from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from discounts import charts, text
from discounts.admin import DiscountCodeAdmin
from discounts.models import DiscountCode
from eventsite.access import scope_to_managed
from eventsite.admin_site import EventScopedAdmin, EventScopedInline, ManagedRelatedFilter
from eventsite.errors import RuleError
from eventsite.models import Event

from . import reports, rules
from .models import Order, OrderLine, OrderStatus


class OrderLineInline(EventScopedInline, admin.TabularInline):
    model = OrderLine
    fields = ("ticket_name", "quantity", "unit_price", "discounted_quantity", "unit_discount", "total")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        # Lines have no event of their own: the order (already scoped) decides.
        return admin.TabularInline.get_queryset(self, request)


@admin.register(Order)
class OrderAdmin(EventScopedAdmin):
    list_display = ("__str__", "event", "buyer", "status", "sub_total", "discount", "amount", "code", "created_at")
    list_filter = (("event", ManagedRelatedFilter), "status")
    list_select_related = ("event", "buyer")
    search_fields = ("discount_code__code_key__contains", "code", "buyer__email")
    readonly_fields = (
        "event",
        "buyer",
        "status",
        "currency",
        "sub_total",
        "discount",
        "amount",
        "discount_code",
        "code",
        "created_at",
        "cancelled_at",
    )
    fields = readonly_fields
    inlines = [OrderLineInline]
    actions = ["cancel_orders"]

    def get_search_results(self, request, queryset, search_term):
        """By the code's key (``discounts.text.key``), so any letter case or form of its text finds the order."""
        return super().get_search_results(request, queryset, text.key(search_term))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # orders are history: cancel them instead

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Cancel selected orders (tickets and code uses come free)")
    def cancel_orders(self, request, queryset):
        cancelled = 0
        for order in queryset.filter(status=OrderStatus.PLACED).order_by("pk"):
            try:
                rules.cancel_order(order=order, now=timezone.now())
            except RuleError as error:
                self.message_user(request, f"{order}: {'; '.join(error.messages)}", messages.ERROR)
                continue
            self.log_change(request, order, "cancelled")
            cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} order(s).", messages.SUCCESS)


def _with_report_link(fields: tuple) -> tuple:
    """The code's fields with the report link right after its uses."""
    return tuple(f for name in fields for f in ((name, "report_link") if name == "uses" else (name,)))


class DiscountCodeReportsAdmin(DiscountCodeAdmin):
    """The discount codes' admin with the report pages of codes (from orders) and a link to them on each code."""

    readonly_fields = (*DiscountCodeAdmin.readonly_fields, "report_link")
    fieldsets = tuple(
        (name, {**options, "fields": _with_report_link(options["fields"])})
        for name, options in DiscountCodeAdmin.fieldsets
    )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path("ranking/<int:event_id>/", wrap(self.ranking_view), name="discounts_discountcode_ranking"),
            path("<path:object_id>/report/", wrap(self.report_view), name="discounts_discountcode_report"),
        ]
        return own + super().get_urls()

    def report_view(self, request, object_id):
        code = self.get_object(request, object_id)
        if code is None or not self.has_view_permission(request, code):
            raise Http404("No such discount code.")
        report = reports.code_report(code)
        per_day = charts.bar_chart(
            [(day.isoformat(), uses) for day, uses in report.per_day], title="Uses per day", width=620
        )
        per_ticket = charts.bar_chart(
            [(t.name, t.uses) for t in report.tickets if t.applies or t.uses],
            title="Uses per ticket",
            width=620,
        )
        context = self.page_context(
            request,
            f"Report of {code.code}",
            code=code,
            report=report,
            currency=code.event.payment_currency,
            per_day_chart=per_day,
            per_ticket_chart=per_ticket,
            original=code,
        )
        return TemplateResponse(request, "admin/discounts/discountcode/report.html", context)

    def ranking_view(self, request, event_id):
        event = get_object_or_404(scope_to_managed(Event.objects.all(), request.user), pk=event_id)
        codes = list(reports.ranked_codes(event.pk)[:200])
        context = self.page_context(request, f"Codes of {event.name} by use", event=event, codes=codes)
        return TemplateResponse(request, "admin/discounts/discountcode/ranking.html", context)

    @admin.display(description="report")
    def report_link(self, obj):
        if obj is None or obj.pk is None:
            return "–"
        url = reverse("admin:discounts_discountcode_report", args=[obj.pk], current_app=self.admin_site.name)
        ranking = reverse(
            "admin:discounts_discountcode_ranking", args=[obj.event_id], current_app=self.admin_site.name
        )
        return format_html(
            '<a href="{}">Uses, discount and revenue</a> · <a href="{}">all codes by use</a>', url, ranking
        )


admin.site.unregister(DiscountCode)
admin.site.register(DiscountCode, DiscountCodeReportsAdmin)
