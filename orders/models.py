"""Orders: what a buyer bought, at which prices, with which code. Lines keep their prices for good."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from eventsite.access import managed_events


class OrderStatus(models.TextChoices):
    PLACED = "placed", "Placed"
    CANCELLED = "cancelled", "Cancelled"


class OrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OrderQuerySet":
        """A buyer's own orders, and every order of the events the user manages."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(Q(buyer=user) | Q(event__in=managed_events(user).values("pk")))

    def placed(self) -> "OrderQuerySet":
        return self.filter(status=OrderStatus.PLACED)


class Order(models.Model):
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    event = models.ForeignKey("eventsite.Event", on_delete=models.PROTECT, related_name="orders")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    currency = models.CharField(max_length=3)
    sub_total = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The code as typed at the time (kept if the code is later deleted: orders only PROTECT placed uses).
    discount_code = models.ForeignKey(
        "discounts.DiscountCode", null=True, blank=True, on_delete=models.SET_NULL, related_name="orders"
    )
    code = models.CharField(max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_idempotency_key_unique_per_buyer",
            ),
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values), name="order_status_valid"),
            models.CheckConstraint(condition=Q(amount=F("sub_total") - F("discount")), name="order_amount_adds_up"),
            models.CheckConstraint(condition=Q(discount__gte=0) & Q(amount__gte=0), name="order_money_not_negative"),
        ]
        indexes = [
            models.Index(fields=["event", "-created_at"], name="order_event_created_idx"),
            models.Index(fields=["buyer", "-created_at"], name="order_buyer_created_idx"),
            models.Index(fields=["discount_code", "status"], name="order_code_status_idx"),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # PROTECT: a ticket that was sold cannot disappear, not even through a cascade from its code's deletion.
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.PROTECT, related_name="order_lines")
    ticket_name = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discounted_quantity = models.PositiveIntegerField(default=0)
    unit_discount = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    sub_total = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orderline_quantity_positive"),
            models.CheckConstraint(
                condition=Q(discounted_quantity__lte=F("quantity")), name="orderline_discounted_le_quantity"
            ),
            models.CheckConstraint(
                condition=Q(unit_discount__lte=F("unit_price")), name="orderline_discount_le_price"
            ),
            models.CheckConstraint(condition=Q(total=F("sub_total") - F("discount")), name="orderline_total_adds_up"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.ticket_name}"
