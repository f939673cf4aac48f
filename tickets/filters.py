"""``filter[...]`` for tickets. Filtering by code only ever looks inside the requester's own events, so the
public cannot learn which tickets carry which code by filtering."""

import django_filters

from eventsite.access import scope_to_managed

from .models import Ticket, TicketType


class TicketFilter(django_filters.FilterSet):
    ticket_type = django_filters.ChoiceFilter(field_name="type", choices=TicketType.choices)
    discount_code = django_filters.NumberFilter(method="filter_discount_code")

    class Meta:
        model = Ticket
        fields = {"event": ["exact"], "is_hidden": ["exact"]}

    def filter_discount_code(self, queryset, name, value):
        return scope_to_managed(queryset, self.request).filter(discount_code_id=value)
