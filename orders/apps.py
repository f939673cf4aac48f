from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self):
        # Registers the order rules' guard on deleting discount codes (``discounts.rules.guard_deletion``).
        from . import rules  # noqa: F401
