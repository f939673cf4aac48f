"""Building blocks shared by every resource's views: strict query parameters, explicit preloading, and
relationship views that go through the rules (never DRF-JSONAPI's stock, unscoped, row-by-row ones)."""

from django.db import transaction
from rest_framework import mixins, renderers, viewsets
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework_json_api import views as jsonapi_views
from rest_framework_json_api.utils import get_included_resources, undo_format_field_name

from .pagination import ValuesRows, countable
from .query import validate_fields, validate_include, validate_query_parameters
from .relations import fetch_linked, parse_identifier
from .rows import Builder

COLLECTION_PARAMETERS = {"sort", "include", "filter", "fields", "page"}
RESOURCE_PARAMETERS = {"include", "fields"}


class ErrorDocumentRenderer(renderers.JSONRenderer):
    """An error document (``{"errors": [...]}``, built by ``eventsite.api.exceptions``) as JSON:API's media type."""

    media_type = "application/vnd.api+json"
    format = "vnd.api+json"


class ErrorDocumentsMixin:
    """For views whose answers are not JSON:API documents (the plain JSON of log-in, passwords and the quote, the
    OpenAPI document, the docs page): their errors are JSON:API error documents all the same, whatever renderer
    the success would have used (YAML, HTML), so a client reads every error under ``/v1`` one way."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if isinstance(response, Response) and response.status_code >= 400:
            response.accepted_renderer = ErrorDocumentRenderer()
            response.accepted_media_type = ErrorDocumentRenderer.media_type
        return response


class StrictQueryMixin:
    """A query parameter JSON:API does not define for this kind of endpoint, or an ``include`` path its serializer
    does not declare, is a 400 naming the parameter (``eventsite.api.query``)."""

    collection_actions = ("list",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        collection = getattr(self, "action", None) in self.collection_actions
        validate_query_parameters(request, COLLECTION_PARAMETERS if collection else RESOURCE_PARAMETERS)
        if hasattr(self, "get_serializer_class") and any(
            name == "include" or name.startswith("fields[") for name in request.query_params
        ):
            serializer_class = self.get_serializer_class()
            validate_include(request, serializer_class)
            validate_fields(request, serializer_class)


class ResourceViewSet(
    StrictQueryMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """A JSON:API model viewset without DRF-JSONAPI's AutoPrefetchMixin: what an ``include`` preloads is
    declared (``select_for_includes`` / ``prefetch_for_includes``) so query counts stay fixed."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    select_for_includes: dict[str, list[str]] = {}
    prefetch_for_includes: dict[str, list] = {}
    #: Read lists and resources from ``.values()`` rows (``eventsite.api.rows``) when the builder covers the
    #: request; the querysets of to-many relationships, in the order the general path's prefetch reads them.
    read_rows = False
    rows_related: dict = {}

    def rows_builder(self):
        return Builder.of(self, related=self.rows_related) if self.read_rows else None

    def list(self, request, *args, **kwargs):
        builder = self.rows_builder()
        if builder is not None and self.paginator is not None:
            queryset = self.filter_queryset(self.base_queryset())  # the general path's rows, without preloading
            if countable(queryset):
                return builder.list_response(self, ValuesRows(queryset, builder.columns))
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        builder = self.rows_builder()
        if builder is None:
            return super().retrieve(request, *args, **kwargs)
        row = builder.row(self, self.filter_queryset(self.base_queryset()))
        return builder.retrieve_response(self, row)

    def base_queryset(self):
        """The rows this requester may reach through this endpoint (scoping lives here)."""
        raise NotImplementedError

    def get_queryset(self):
        queryset = self.base_queryset()
        included = get_included_resources(self.request, self.get_serializer_class())
        # each path once: ``include=discount-code,discount-code`` would prefetch twice, which Django refuses (a 500)
        for name in dict.fromkeys(["__all__", *(undo_format_field_name(i) for i in included)]):
            if name in self.select_for_includes:
                queryset = queryset.select_related(*self.select_for_includes[name])
            if name in self.prefetch_for_includes:
                queryset = queryset.prefetch_related(*self.prefetch_for_includes[name])
        return queryset


class RelationshipView(StrictQueryMixin, jsonapi_views.RelationshipView):
    """``/relationships/<name>`` of one parent: every verb scoped, bulk and atomic.

    Subclasses name the parent queryset (already scoped to the requester) and the linked model's queryset,
    and write through the rules: ``replace``, ``add`` and ``remove`` for to-many, ``set`` for to-one.
    """

    is_relationship_view = True
    related_type: str = ""
    to_many = True
    collection_actions = ()

    # DRF-JSONAPI's renderer asks the view for a resource name; ours never needs the parent's related object.
    resource_name = None

    def get_resource_name(self):
        return self.related_type

    def get_links(self):
        return {}

    def parent(self):
        return self.get_object()

    def linked_queryset(self, parent):
        raise NotImplementedError

    def current(self, parent):
        """The parent's linked rows (to-many: a queryset; to-one: an object or None)."""
        raise NotImplementedError

    def linkage(self, parent) -> Response:
        if self.to_many:
            ids = self.current(parent).order_by("pk").values_list("pk", flat=True)
            return Response([{"type": self.related_type, "id": str(pk)} for pk in ids])
        obj = self.current(parent)
        return Response(None if obj is None else {"type": self.related_type, "id": str(obj.pk)})

    def parse_linkage(self, parent) -> list:
        data = self.request.data
        if not isinstance(data, list):
            raise ParseError("“data” must be an array of resource identifiers.")
        pointers = [f"/data/{i}" for i in range(len(data))]
        ids = [
            parse_identifier(item, self.related_type, pointer) for item, pointer in zip(data, pointers, strict=True)
        ]
        return fetch_linked(self.linked_queryset(parent), ids, self.related_type, pointers)

    def get(self, request, *args, **kwargs):
        return self.linkage(self.parent())

    def patch(self, request, *args, **kwargs):
        parent = self.parent()
        with transaction.atomic():
            if self.to_many:
                self.replace(parent, self.parse_linkage(parent))
            else:
                data = request.data
                if data is None:
                    self.set(parent, None)
                else:
                    pk = parse_identifier(data, self.related_type)
                    linked = fetch_linked(self.linked_queryset(parent), [pk], self.related_type, ["/data"])
                    self.set(parent, linked[0])
        return self.linkage(self.parent())

    def post(self, request, *args, **kwargs):
        return self._change(self.add)

    def delete(self, request, *args, **kwargs):
        return self._change(self.remove)

    def _change(self, action):
        if not self.to_many:
            self.http_method_not_allowed(self.request)
        parent = self.parent()
        with transaction.atomic():
            action(parent, self.parse_linkage(parent))
        return self.linkage(self.parent())

    def replace(self, parent, objs):
        raise NotImplementedError

    def add(self, parent, objs):
        raise NotImplementedError

    def remove(self, parent, objs):
        raise NotImplementedError

    def set(self, parent, obj):
        raise NotImplementedError
