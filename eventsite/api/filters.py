"""DRF-JSONAPI's sort and filter backends, with their errors reported as 400s naming the parameter.

A yes/no filter (``filter[is-active]``) takes ``true`` or ``false`` as JSON writes them; anything else is a 400:
django-filter reads other values (``maybe``, ``1``, ``TRUE``) as "no filter", so they listed everything."""

from django_filters import BooleanFilter
from rest_framework.exceptions import ValidationError
from rest_framework_json_api import filters
from rest_framework_json_api.django_filters import backends
from rest_framework_json_api.utils import undo_format_field_name

from .exceptions import InvalidQueryParameter

BOOLEAN_VALUES = frozenset({"true", "false"})
NOT_A_BOOLEAN = "{parameter} is true or false, not “{value}”."


def _detail(error: ValidationError) -> str:
    detail = error.detail
    if isinstance(detail, dict):
        return "; ".join(f"filter[{k}]: {' '.join(map(str, v))}" for k, v in detail.items())
    if isinstance(detail, list):
        return " ".join(map(str, detail))
    return str(detail)


class OrderingFilter(filters.OrderingFilter):
    def filter_queryset(self, request, queryset, view):
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as error:
            raise InvalidQueryParameter(_detail(error), "sort") from error


class DjangoFilterBackend(backends.DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        """No ``filter...`` parameter, nothing to filter: skip building a FilterSet (and, for ``filterset_fields``,
        its class), which would filter by nothing. Its data would hold only ``sort``, ``include``, ``page[...]`` and
        ``fields[...]`` (``StrictQueryMixin`` refuses any other parameter first), none of which names a filter."""
        if not any(name.startswith("filter") for name in request.query_params):
            return queryset
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as error:
            params = [p for p in request.query_params if p.startswith("filter[")]
            raise InvalidQueryParameter(_detail(error), params[0] if len(params) == 1 else None) from error

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return filterset
        for parameter, value in request.query_params.items():
            if not (parameter.startswith("filter[") and parameter.endswith("]")):
                continue
            name = undo_format_field_name(parameter[len("filter[") : -1]).replace(".", "__")
            if isinstance(filterset.filters.get(name), BooleanFilter) and value not in BOOLEAN_VALUES:
                raise InvalidQueryParameter(NOT_A_BOOLEAN.format(parameter=parameter, value=value), parameter)
        return filterset
