from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import BigIntegerField, Func, QuerySet, Subquery
from drf_spectacular_jsonapi.schemas.pagination import JsonApiPageNumberPagination

from eventsite.prepared import PreparedQuery

from .exceptions import InvalidQueryParameter

#: The annotation that carries the total on every row of a page; unlikely to clash with a model's members.
TOTAL = "_pagination_total"


def with_total(queryset: QuerySet) -> QuerySet:
    """``queryset`` with the number of all its rows on each row (``TOTAL``), as a scalar subquery: see below."""
    total = Subquery(
        queryset.order_by()
        .annotate(**{TOTAL: Func(template="COUNT(*)", output_field=BigIntegerField())})
        .values(TOTAL)
    )
    return queryset.annotate(**{TOTAL: total})


def countable(queryset: QuerySet) -> bool:
    """Whether ``with_total`` counts ``queryset``'s rows right: model instances (``values()`` sets
    ``values_select``; Django infers the same from it), not distinct, grouped, combined or sliced."""
    query = queryset.query
    return (
        not query.values_select
        and not query.distinct
        and query.group_by is None
        and not query.combinator
        and not query.is_sliced
        and TOTAL not in query.annotations
    )


class PageRows:
    """What a view hands the paginator instead of a queryset when it reads the page's rows itself: ``rows`` runs
    the page's query (with the total on each row), ``total`` reads the total from a row."""

    def rows(self, bottom: int, top: int) -> list:
        raise NotImplementedError

    @staticmethod
    def total(row) -> int:
        return getattr(row, TOTAL)


class PreparedRows(PageRows):
    """The page's query is prepared (``eventsite.prepared``): ``query`` builds ``with_total(...)[bottom:top]`` from
    ``(bottom, top, **values)``."""

    def __init__(self, query: PreparedQuery, **values):
        self.query = query
        self.values = values

    def rows(self, bottom: int, top: int) -> list:
        return self.query.objects(parts=(bottom, top), **self.values)


class ValuesRows(PageRows):
    """The page as ``.values()`` rows (``eventsite.api.rows``): ``queryset`` (scoped, filtered, ordered by the
    view) read as ``columns``."""

    def __init__(self, queryset: QuerySet, columns):
        self.queryset = queryset
        self.columns = tuple(columns)

    def rows(self, bottom: int, top: int) -> list:
        return list(with_total(self.queryset).values(*self.columns, TOTAL)[bottom:top])

    @staticmethod
    def total(row) -> int:
        return row[TOTAL]


class PreparedValuesRows(ValuesRows):
    """The page as ``.values()`` rows of a prepared query: ``query`` builds
    ``with_total(...).values(*columns, TOTAL)[bottom:top]`` from ``(bottom, top, *columns, **values)``."""

    def __init__(self, query: PreparedQuery, columns, **values):
        self.query = query
        self.columns = tuple(columns)
        self.values = values

    def rows(self, bottom: int, top: int) -> list:
        return self.query.values(parts=(bottom, top, *self.columns), **self.values)


class CountingPaginator(Paginator):
    """Django's paginator, reading the total from the page query itself instead of a separate ``COUNT``.

    The page query carries ``(SELECT COUNT(*) FROM <the same rows>)`` as a column: one round trip and one query
    to build instead of two. A scalar subquery rather than ``COUNT(*) OVER ()``: PostgreSQL evaluates it once
    (an InitPlan) and keeps the ``ORDER BY ... LIMIT`` plan of the page, whereas a window makes every matching
    row, with all its columns, pass through the window before the limit (costly for ``/v1/tickets`` on a large
    table). An empty page needs no count: page 1 means none at all, a later page is beyond the end (a 404, as
    Django's paginator says). Querysets the subquery could count wrongly (``distinct()``, grouped, combined,
    ``values()``) and orphans take Django's own path. A :class:`PreparedRows` runs the same query, compiled once;
    a :class:`ValuesRows` reads it as ``.values()`` rows.
    """

    def page(self, number):
        if not self._countable():
            return super().page(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            number = None
        if number is None or number < 1:
            if isinstance(self.object_list, PageRows):  # Django's path would count a list; the view checks first
                raise PageNotAnInteger(self.error_messages["invalid_page"])
            return super().page(number)
        bottom, top = (number - 1) * self.per_page, number * self.per_page
        if isinstance(self.object_list, PageRows):
            rows, total = self.object_list.rows(bottom, top), self.object_list.total
        else:
            rows, total = list(with_total(self.object_list)[bottom:top]), PageRows.total
        if rows:
            self.count = total(rows[0])
        elif number == 1:
            self.count = 0
        else:
            raise EmptyPage(self.error_messages["no_results"])
        return Page(rows, number, self)

    def _countable(self) -> bool:
        queryset = self.object_list
        if isinstance(queryset, PageRows):
            if self.orphans or not self.allow_empty_first_page:
                raise ValueError("Prepared rows are paged without orphans and with an empty first page allowed.")
            return True
        if not isinstance(queryset, QuerySet) or self.orphans or not self.allow_empty_first_page:
            return False
        return countable(queryset)


class PageNumberPagination(JsonApiPageNumberPagination):
    """``page[number]`` and ``page[size]`` (default 20, at most 100); a bad value is a 400, not a silent default."""

    page_size = 20
    max_page_size = 100
    django_paginator_class = CountingPaginator

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise InvalidQueryParameter(
                f"page[size] must be a whole number from 1 to {self.max_page_size}.", self.page_size_query_param
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.check_page_number(request)
        return super().paginate_queryset(queryset, request, view)

    def check_page_number(self, request) -> None:
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1 or len(raw) > 9):
            raise InvalidQueryParameter("page[number] must be a whole number from 1.", self.page_query_param)

    def parameters_valid(self, request) -> bool:
        """Whether ``page[number]`` and ``page[size]`` pass (a view that looks its parent up only when the page is
        empty asks first, so that errors come in the general path's order)."""
        try:
            self.check_page_number(request)
            self.get_page_size(request)
        except InvalidQueryParameter:
            return False
        return True
