"""Discount codes. A code is for a whole event (``used_for=event``) or for the tickets attached to it."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from eventsite.models import RuleValidatedModel

from . import text

# A normalised code of 100 characters has a key of at most 200 (full case folding writes ß as ss); the rest is room.
CODE_KEY_LENGTH = 300


#: A code's limits: how often it may be used, how many tickets an order takes, and when.
LIMIT_FIELDS = ("tickets_number", "min_quantity", "max_quantity", "valid_from", "valid_till")

# A code's terms as fields: what codes generated together share, what a batch may change on a stored code, and
# (with its text and what it is for) what the history records of it. ``discounts.rules.TERM_FIELDS`` is this.
TERM_FIELDS = ("type", "value", "is_active", "discount_url", *LIMIT_FIELDS)


class DiscountType(models.TextChoices):
    AMOUNT = "amount", "Amount"
    PERCENT = "percent", "Percent"


class UsedFor(models.TextChoices):
    EVENT = "event", "Every paid ticket of the event"
    TICKET = "ticket", "The tickets attached to the code"


class DiscountCodeQuerySet(models.QuerySet):
    def with_code(self, code: str) -> "DiscountCodeQuerySet":
        """The code written ``code`` in any letter case or compatibility form (``text.key``), by the
        ``event, code_key`` unique index."""
        found = text.key(code)
        if "\x00" in found or len(found) > CODE_KEY_LENGTH:
            # No code holds a NUL, and PostgreSQL refuses one in a query (a 500, not "no match").
            return self.none()
        return self.filter(code_key=found)

    # ``code_key`` follows ``code`` on every write of the ORM, bulk ones included.

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.code_key = text.key(obj.code)
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "code" in fields:
            objs = list(objs)
            for obj in objs:
                obj.code_key = text.key(obj.code)
            fields = [*fields, "code_key"]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        if "code" in kwargs and "code_key" not in kwargs:  # (bulk_update writes both, as expressions)
            if not isinstance(kwargs["code"], str):
                raise TypeError("A code's key is worked out in Python: update the code with a string.")
            kwargs["code_key"] = text.key(kwargs["code"])
        return super().update(**kwargs)


class DiscountCode(RuleValidatedModel):
    code = models.CharField(max_length=100)
    # Null, not empty, for a code without a key: unique constraints leave nulls out, on SQLite and PostgreSQL.
    code_key = models.CharField(  # noqa: DJ001
        max_length=CODE_KEY_LENGTH,
        null=True,
        editable=False,
        help_text="The code in the form it is compared in (discounts.text.key), kept by save. Empty (null) only "
        "for a code that clashed with an older one of its event when keys were introduced: found by id only.",
    )
    discount_url = models.URLField(max_length=500, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    type = models.CharField(max_length=16, choices=DiscountType.choices, default=DiscountType.AMOUNT)
    is_active = models.BooleanField(default=True)
    tickets_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="How many tickets may be sold with this code; empty means unlimited."
    )
    min_quantity = models.PositiveIntegerField(default=1, help_text="0 and 1 both mean no minimum.")
    max_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means unlimited.")
    valid_from = models.DateTimeField(default=timezone.now)
    valid_till = models.DateTimeField(null=True, blank=True)
    used_for = models.CharField(max_length=16, choices=UsedFor.choices)
    used_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Tickets sold with this code (kept by the order rules)."
    )
    event = models.ForeignKey("eventsite.Event", on_delete=models.CASCADE, related_name="discount_codes")
    marketer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="discount_codes",
        help_text="The user who created the code.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DiscountCodeQuerySet.as_manager()

    class Meta:
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "code_key"], name="discountcode_code_key_unique_per_event"),
            models.CheckConstraint(condition=~Q(code_key=""), name="discountcode_code_key_not_empty"),
            models.CheckConstraint(condition=Q(value__gt=0), name="discountcode_value_positive"),
            models.CheckConstraint(
                condition=~Q(type=DiscountType.PERCENT) | Q(value__lte=100), name="discountcode_percent_le_100"
            ),
            models.CheckConstraint(condition=Q(type__in=DiscountType.values), name="discountcode_type_valid"),
            models.CheckConstraint(condition=Q(used_for__in=UsedFor.values), name="discountcode_used_for_valid"),
            models.CheckConstraint(condition=Q(min_quantity__gte=0), name="discountcode_min_quantity_not_negative"),
            models.CheckConstraint(
                condition=Q(max_quantity__isnull=True) | Q(min_quantity__lte=F("max_quantity")),
                name="discountcode_min_quantity_le_max",
            ),
            models.CheckConstraint(
                condition=Q(tickets_number__isnull=True)
                | Q(max_quantity__isnull=True)
                | Q(tickets_number__gte=F("max_quantity")),
                name="discountcode_tickets_number_ge_max_quantity",
            ),
            models.CheckConstraint(
                condition=Q(valid_till__isnull=True) | Q(valid_from__lt=F("valid_till")),
                name="discountcode_validity_ordered",
            ),
            models.CheckConstraint(condition=~Q(code=""), name="discountcode_code_not_empty"),
            models.CheckConstraint(
                condition=Q(tickets_number__isnull=True) | Q(used_count__lte=F("tickets_number")),
                name="discountcode_not_used_beyond_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        self.code_key = text.key(self.code)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "code" in update_fields:
            kwargs["update_fields"] = {*update_fields, "code_key"}
        super().save(*args, **kwargs)

    @property
    def is_percent(self) -> bool:
        return self.type == DiscountType.PERCENT

    def formatted_value(self) -> str:
        if self.is_percent:
            return f"{self.value.normalize():f} %"
        return f"{self.value.quantize(Decimal('0.01'))} {self.event.payment_currency}"
