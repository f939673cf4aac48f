"""DRF-JSONAPI's sort and filter backends, with their errors reported as 400s naming the parameter."""

from rest_framework.exceptions import ValidationError
from rest_framework_json_api import filters
from rest_framework_json_api.django_filters import backends

from .exceptions import InvalidQueryParameter


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
        try:
            return super().filter_queryset(request, queryset, view)
        except ValidationError as error:
            params = [p for p in request.query_params if p.startswith("filter[")]
            raise InvalidQueryParameter(_detail(error), params[0] if len(params) == 1 else None) from error
