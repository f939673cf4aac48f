from django.contrib import admin
from django.urls import path

admin.site.site_header = "eventsite"
admin.site.site_title = "eventsite admin"
admin.site.index_title = "Events, tickets and discount codes"

urlpatterns = [
    path("admin/", admin.site.urls),
]
