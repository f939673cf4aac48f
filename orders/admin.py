"""Orders in the admin: read-only for organizers (their events only), cancelled through the order rules."""

from django.contrib import admin, messages
from django.utils import timezone

from discounts import text
from eventsite.admin_site import EventScopedAdmin, EventScopedInline, ManagedRelatedFilter
from eventsite.errors import RuleError

from . import rules
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
