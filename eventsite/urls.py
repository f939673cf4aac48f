from django.contrib import admin
from django.urls import include, path, register_converter
from django.views.decorators.csrf import csrf_exempt

from . import pages
from .api.converters import IdConverter
from .errorpages import page_not_found

register_converter(IdConverter, "id")

admin.site.site_header = "eventsite"
admin.site.site_title = "eventsite admin"
admin.site.index_title = "Events, tickets and discount codes"

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    # ``/v1`` itself is a JSON:API 404 for every method; without it Django's APPEND_SLASH would redirect to ``/v1/``
    # (a POST's body lost on the way, and with DEBUG on a RuntimeError instead of the redirect).
    path("v1", csrf_exempt(page_not_found)),
    path("v1/", include("eventsite.api_urls")),
    path("admin/", admin.site.urls),
]

# Django's own 404 and 500 pages are HTML; under /v1/ they are JSON:API error documents.
handler404 = "eventsite.errorpages.page_not_found"
handler500 = "eventsite.errorpages.server_error"
