"""``filter[...]`` for discount codes. ``filter[code]`` (and ``filter[code.iexact]``, its older spelling) finds a
code however its text is written, as every look-up by text does (``DiscountCodeQuerySet.with_code``)."""

import django_filters

from .models import DiscountCode


class DiscountCodeFilter(django_filters.FilterSet):
    code = django_filters.CharFilter(method="filter_code")
    code__iexact = django_filters.CharFilter(method="filter_code")

    class Meta:
        model = DiscountCode
        fields = {"event": ["exact"], "used_for": ["exact"], "is_active": ["exact"]}

    def filter_code(self, queryset, name, value):
        return queryset.with_code(value)
