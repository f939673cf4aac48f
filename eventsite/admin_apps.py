"""The admin app with eventsite's own site as ``admin.site``; INSTALLED_APPS lists it instead of contrib.admin.

Kept apart from ``admin_site.py`` because INSTALLED_APPS is imported before the models are ready.
"""

from django.contrib.admin.apps import AdminConfig


class EventsiteAdminConfig(AdminConfig):
    default_site = "eventsite.admin_site.EventsiteAdminSite"
