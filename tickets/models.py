"""Tickets: what an event sells. A ticket may carry one ticket-level discount code (``Ticket.discount_code``)."""

from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from eventsite.models import RuleValidatedModel


class TicketType(models.TextChoices):
    FREE = "free", "Free"
    PAID = "paid", "Paid"
    DONATION = "donation", "Donation"


#: A ticket's own fields, the ones its organizers set (not its event, fixed once created; not ``sold_count``,
#: which orders move; not ``discount_code``, which the code rules set): its admin form and its history read them.
OWN_FIELDS = (
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
)


class Ticket(RuleValidatedModel):
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=16, choices=TicketType.choices, default=TicketType.PAID)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    quantity = models.PositiveIntegerField(default=100)
    sold_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Tickets sold in placed orders (kept by the order rules)."
    )
    # A donation ticket's buyer names the price, within these bounds (``price`` is the suggested amount).
    min_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    max_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    min_order = models.PositiveIntegerField(default=1)
    max_order = models.PositiveIntegerField(default=10)
    sales_starts_at = models.DateTimeField(null=True, blank=True)
    sales_ends_at = models.DateTimeField(null=True, blank=True)
    is_hidden = models.BooleanField(default=False)
    event = models.ForeignKey("eventsite.Event", on_delete=models.CASCADE, related_name="tickets")
    # The user's design: a ticket-level code is attached to the tickets it discounts, and the code's
    # ``tickets`` are this reverse relation. CASCADE is deliberate; the application detaches tickets before
    # it deletes a code (discounts.rules.delete_code), so only a raw ORM delete cascades.
    discount_code = models.ForeignKey(
        "discounts.DiscountCode",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="tickets",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "name"], name="ticket_name_unique_per_event"),
            models.CheckConstraint(condition=Q(price__gte=0), name="ticket_price_not_negative"),
            models.CheckConstraint(condition=~Q(type=TicketType.FREE) | Q(price=0), name="ticket_free_costs_nothing"),
            models.CheckConstraint(condition=~Q(type=TicketType.PAID) | Q(price__gt=0), name="ticket_paid_has_price"),
            models.CheckConstraint(condition=Q(min_order__gte=1), name="ticket_min_order_positive"),
            models.CheckConstraint(condition=Q(sold_count__lte=F("quantity")), name="ticket_not_oversold"),
            models.CheckConstraint(condition=Q(min_price__gte=0), name="ticket_min_price_not_negative"),
            models.CheckConstraint(
                condition=Q(max_price__isnull=True) | Q(min_price__lte=F("max_price")),
                name="ticket_min_price_le_max_price",
            ),
            models.CheckConstraint(condition=Q(min_order__lte=F("max_order")), name="ticket_min_order_le_max_order"),
            models.CheckConstraint(
                condition=Q(sales_starts_at__isnull=True)
                | Q(sales_ends_at__isnull=True)
                | Q(sales_starts_at__lt=F("sales_ends_at")),
                name="ticket_sales_window_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "position"], name="ticket_event_position_idx"),
            # The admin's changelist of every ticket in the default order: read in index order, not sorted.
            models.Index(fields=["position", "id"], name="ticket_position_id_idx"),
        ]

    def __str__(self) -> str:
        return self.name
