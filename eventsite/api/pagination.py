from drf_spectacular_jsonapi.schemas.pagination import JsonApiPageNumberPagination

from .exceptions import InvalidQueryParameter


class PageNumberPagination(JsonApiPageNumberPagination):
    """``page[number]`` and ``page[size]`` (default 20, at most 100); a bad value is a 400, not a silent default."""

    page_size = 20
    max_page_size = 100

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
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and (not raw.isdigit() or int(raw) < 1 or len(raw) > 9):
            raise InvalidQueryParameter("page[number] must be a whole number from 1.", self.page_query_param)
        return super().paginate_queryset(queryset, request, view)
