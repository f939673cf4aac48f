from django.apps import AppConfig


class EventsiteConfig(AppConfig):
    name = "eventsite"
    verbose_name = "Events and users"
