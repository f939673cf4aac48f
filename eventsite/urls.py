from django.contrib import admin
from django.urls import include, path, register_converter

from . import pages
from .api.converters import IdConverter

register_converter(IdConverter, "id")

admin.site.site_header = "eventsite"
admin.site.site_title = "eventsite admin"
admin.site.index_title = "Events, tickets and discount codes"

urlpatterns = [
    path("", pages.home, name="home"),
    path("healthz", pages.healthz, name="healthz"),
    path("v1/", include("eventsite.api_urls")),
    path("admin/", admin.site.urls),
]

# Django's own 404 and 500 pages are HTML; under /v1/ they are JSON:API error documents.
handler404 = "eventsite.errorpages.page_not_found"
handler500 = "eventsite.errorpages.server_error"
