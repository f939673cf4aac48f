"""A Content-Security-Policy on every HTML page, the admin included (issue 12): headless Chromium visits the admin's
pages as an organizer and as a superuser, uses the ticket search on a code's page, and opens the API's Swagger UI;
the console reports no content the policy refused, and the pages work (their scripts ran)."""

import os
from decimal import Decimal

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By

from discounts.tests.browser import AdminPages, csp_violations, missing_browser, start_chromium
from eventsite.tests.factories import PASSWORD, DiscountCodeFactory, EventFactory, TicketFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(live_server):
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    driver = start_chromium()
    try:
        yield AdminPages(driver, live_server.url)
    finally:
        driver.quit()


@pytest.fixture
def world():
    organizer = UserFactory(email="ada@alpha.test")
    root = UserFactory(email="root@alpha.test", is_staff=True, is_superuser=True)
    event = EventFactory(name="Alpha Conference", payment_currency="EUR")
    event.organizers.add(organizer)
    ticket = TicketFactory(event=event, name="Early bird", price=Decimal("49.00"))
    TicketFactory(event=event, name="Student", price=Decimal("25.00"))
    code = DiscountCodeFactory(event=event, code="EARLY10", value=Decimal("10.00"), tickets_number=50)
    ticket.discount_code = code
    ticket.save()
    return {"organizer": organizer, "root": root, "event": event, "ticket": ticket, "code": code}


def admin_pages(world) -> list[str]:
    code, ticket, event = world["code"], world["ticket"], world["event"]
    return [
        reverse("admin:index"),
        reverse("admin:discounts_discountcode_changelist"),
        reverse("admin:discounts_discountcode_changelist") + "?q=early",
        reverse("admin:discounts_discountcode_change", args=[code.pk]),
        reverse("admin:discounts_discountcode_add"),
        reverse("admin:discounts_discountcode_generate"),
        reverse("admin:discounts_discountcode_import"),
        reverse("admin:discounts_discountcode_export"),
        reverse("admin:discounts_discountcode_report", args=[code.pk]),
        reverse("admin:discounts_discountcode_ranking", args=[event.pk]),
        reverse("admin:discounts_discountcode_delete", args=[code.pk]),
        reverse("admin:tickets_ticket_changelist"),
        reverse("admin:tickets_ticket_change", args=[ticket.pk]),
        reverse("admin:tickets_ticket_add"),
        reverse("admin:eventsite_event_changelist"),
        reverse("admin:eventsite_event_change", args=[event.pk]),
    ]


@pytest.mark.parametrize("who", ["organizer", "root"])
def test_the_admin_runs_under_its_csp_without_a_violation(browser, world, who):
    browser.open(reverse("admin:login"))
    assert csp_violations(browser.driver) == []
    browser.log_in(world[who].email, PASSWORD)
    seen = {}
    for path in admin_pages(world):
        browser.open(path)
        assert "Server Error" not in browser.driver.title, path
        seen[path] = csp_violations(browser.driver)
    assert {path: found for path, found in seen.items() if found} == {}
    # The scripts of a page really ran: the code page's ticket search (select2 and its autocomplete request).
    browser.open(reverse("admin:discounts_discountcode_change", args=[world["code"].pk]))
    assert "Student" in browser.search_tickets("stu")
    assert csp_violations(browser.driver) == []


def test_the_api_docs_run_under_their_csp_without_a_violation(browser, world):
    browser.open(reverse("docs"))
    browser.wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .opblock"))  # Swagger UI ran
    assert csp_violations(browser.driver) == []
