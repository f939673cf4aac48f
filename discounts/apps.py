from django.apps import AppConfig


class DiscountsConfig(AppConfig):
    name = "discounts"
    verbose_name = "Discount codes"

    def ready(self):
        # Tickets ask the code rules whenever a ticket changes, but cannot import them (discounts builds on
        # tickets): they are handed in here, once the apps are loaded.
        from tickets import rules as ticket_rules

        from . import rules

        ticket_rules.use_code_rules(
            ticket_rules.CodeRules(problems=rules.ticket_code_problems, set_code=rules.set_ticket_code)
        )
