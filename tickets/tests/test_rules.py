"""How tickets reach the code rules: discounts builds on tickets, so it hands them in (``use_code_rules``)."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from discounts import rules as discount_rules
from tickets import rules as ticket_rules


def test_without_the_discounts_app_a_ticket_code_is_a_configuration_error(monkeypatch):
    """Without the code rules no ticket's code is set (nor checked) by accident."""
    monkeypatch.setattr(ticket_rules, "_code_rules", None)
    with pytest.raises(ImproperlyConfigured, match="discounts app"):
        ticket_rules.code_rules()


def test_the_discounts_app_hands_in_its_code_rules():
    assert ticket_rules.code_rules().problems is discount_rules.ticket_code_problems
    assert ticket_rules.code_rules().set_code is discount_rules.set_ticket_code
