"""The OpenAPI document (``/v1/schema``) and the docs page (``/v1/docs``): drf-spectacular's views, read-only.

They answer GET and HEAD; OPTIONS is a 204 naming those (drf-spectacular's would render DRF's metadata through
the page's HTML template, a 500); any other method is a 405, and every error a JSON:API error document (the
stock views would write it as YAML or as an HTML page)."""

from django.http import HttpResponse
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .views import ErrorDocumentsMixin


class ReadOnlyDocumentMixin(ErrorDocumentsMixin):
    http_method_names = ["get", "head", "options"]

    def options(self, request, *args, **kwargs):
        return HttpResponse(status=204, headers={"Allow": ", ".join(self.allowed_methods)})


class SchemaView(ReadOnlyDocumentMixin, SpectacularAPIView):
    pass


class DocsView(ReadOnlyDocumentMixin, SpectacularSwaggerSplitView):
    pass
