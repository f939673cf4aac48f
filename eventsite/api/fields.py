"""Field types every resource shares: money as two-place decimal strings, date-times that carry an offset."""

from django.utils.dateparse import parse_datetime
from rest_framework import serializers


class MoneyField(serializers.DecimalField):
    """Decimal money: "10.00" in responses; a number or a string in requests (never NaN or Infinity)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs["coerce_to_string"] = True
        super().__init__(**kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with an offset ("2027-05-01T09:00:00+02:00" or "...Z"); a time without one is ambiguous."""

    default_error_messages = {
        "naive": "Give the time with an offset, e.g. 2027-05-01T09:00:00+02:00 or 2027-05-01T07:00:00Z.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)
