"""The organizer's workflow in a real browser (headless Chromium): attach, detach, refusals, actions, scoping.

Run alone with ``./scripts/test.sh -m browser``. On failure the page is saved to ``$CI_LOG_DIR`` (default
``ci-logs/``) as a screenshot and its HTML. With ``DOCS_SCREENSHOT=docs/admin-code-page.png`` the code page
with its attached tickets is also saved there (how the README's picture is made).
"""

import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from discounts import rules
from discounts.tests.browser import AdminPages, log_dir, missing_browser, start_chromium
from eventsite.tests.factories import PASSWORD, DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(request, live_server):
    reason = missing_browser()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {reason}")
        pytest.skip(reason)
    driver = start_chromium()
    admin = AdminPages(driver, live_server.url)
    try:
        yield admin
    finally:
        report = getattr(request.node, "report_call", None)
        if report is not None and report.failed:
            save_evidence(admin, request)
        driver.quit()


def save_evidence(admin: AdminPages, request) -> None:
    """The page the test failed on, then the code page as it stands (screenshots and HTML) in the log folder."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    admin.driver.save_screenshot(str(log_dir() / f"browser-{name}.png"))
    (log_dir() / f"browser-{name}.html").write_text(admin.source())
    alpha = request.node.funcargs.get("alpha")  # still in the database: it is flushed after this teardown
    if alpha is not None:
        admin.open(code_page(alpha["code"]))
        admin.driver.save_screenshot(str(log_dir() / f"browser-{name}-code-page.png"))


@pytest.fixture
def alpha():
    """Alpha's organizer (not the owner, not staff), their event, tickets and a ticket code."""
    organizer = UserFactory(email="ada@alpha.test")
    event = EventFactory(name="Alpha Conference", payment_currency="EUR")
    event.organizers.add(organizer)
    tickets = {
        name: TicketFactory(event=event, name=name, price=Decimal(price), quantity=quantity)
        for name, price, quantity in [
            ("Early bird", "49.00", 100),
            ("Student", "25.00", 80),
            ("Regular", "99.00", 300),
        ]
    }
    tickets["Community"] = TicketFactory(event=event, name="Community", free=True)
    code = DiscountCodeFactory(event=event, code="EARLY10", value=Decimal("10.00"), tickets_number=50)
    DiscountCodeFactory(event=event, code="TEAM20", for_event=True, percent=True)
    return {"user": organizer, "event": event, "tickets": tickets, "code": code}


@pytest.fixture
def bravo():
    owner = UserFactory(email="bob@bravo.test")
    event = EventFactory(name="Bravo Summit", owner=owner)
    TicketFactory(event=event, name="Bravo pass")
    DiscountCodeFactory(event=event, code="BRAVO5")
    return {"user": owner, "event": event}


def code_page(code) -> str:
    return reverse("admin:discounts_discountcode_change", args=[code.pk])


def names_attached(code) -> set[str]:
    return set(Ticket.objects.filter(discount_code=code).values_list("name", flat=True))


def test_an_organizer_attaches_and_detaches_tickets_on_the_code_page(pages, alpha):
    pages.log_in(alpha["user"].email, PASSWORD)
    pages.open(code_page(alpha["code"]))
    assert "EARLY10" in pages.text()

    pages.pick_ticket("ear", "Early bird")
    pages.pick_ticket("stu", "Student")
    pages.submit(By.NAME, "_continue")
    assert "was changed successfully" in pages.text()
    assert pages.attached_tickets() == ["Early bird", "Student"]
    assert names_attached(alpha["code"]) == {"Early bird", "Student"}
    if os.environ.get("DOCS_SCREENSHOT"):
        pages.save_full_page(Path(os.environ["DOCS_SCREENSHOT"]))

    pages.tick_detach("Student")
    pages.submit(By.NAME, "_continue")
    assert pages.attached_tickets() == ["Early bird"]
    assert names_attached(alpha["code"]) == {"Early bird"}
    assert Ticket.objects.filter(name="Student", event=alpha["event"]).exists()


def test_a_free_ticket_is_not_offered_and_attaching_it_is_refused_with_the_rule(pages, alpha):
    pages.log_in(alpha["user"].email, PASSWORD)
    pages.open(code_page(alpha["code"]))
    assert pages.search_tickets("Comm") == []
    assert "No results found" in pages.driver.find_element(By.CSS_SELECTOR, ".select2-results").text
    pages.close_dropdown()

    # The changelist action lets one pick any ticket, so the rule itself answers there.
    tickets = alpha["tickets"]
    pages.open(reverse("admin:tickets_ticket_changelist"))
    pages.run_ticket_action(
        "Attach selected tickets to a discount code…", [tickets["Regular"].pk, tickets["Community"].pk]
    )
    Select(pages.driver.find_element(By.NAME, "code")).select_by_index(0)
    pages.submit(By.NAME, "apply")
    assert rules.FREE_TICKET.format(ticket="Community") in pages.text()
    assert names_attached(alpha["code"]) == set()


def test_the_changelist_action_attaches_two_tickets(pages, alpha):
    tickets = alpha["tickets"]
    pages.log_in(alpha["user"].email, PASSWORD)
    pages.open(reverse("admin:tickets_ticket_changelist"))
    pages.run_ticket_action(
        "Attach selected tickets to a discount code…", [tickets["Student"].pk, tickets["Regular"].pk]
    )
    assert "Student" in pages.text() and "Regular" in pages.text()
    options = [o.text for o in Select(pages.driver.find_element(By.NAME, "code")).options]
    assert options == ["EARLY10 (10.00 EUR, Alpha Conference)"]
    pages.submit(By.NAME, "apply")
    assert "Attached 2 ticket(s) to “EARLY10”: Student, Regular." in pages.text()
    assert names_attached(alpha["code"]) == {"Student", "Regular"}
    links = pages.driver.find_elements(By.CSS_SELECTOR, "td.field-code_link a")
    assert [link.text for link in links] == ["EARLY10", "EARLY10"]

    pages.run_ticket_action("Detach selected tickets from their discount code", [tickets["Student"].pk])
    assert names_attached(alpha["code"]) == {"Regular"}


def test_the_organizer_of_another_event_sees_none_of_it(pages, alpha, bravo):
    rules.attach_tickets(code=alpha["code"], tickets=[alpha["tickets"]["Early bird"]])
    pages.log_in(bravo["user"].email, PASSWORD)
    for name in ("admin:discounts_discountcode_changelist", "admin:tickets_ticket_changelist", "admin:index"):
        pages.open(reverse(name))
        html = pages.source()
        assert name == "admin:index" or "Bravo" in html  # the lists show Bravo's own data
        for secret in ("Alpha Conference", "EARLY10", "TEAM20", "Early bird", "Community"):
            assert secret not in html, (name, secret)
    pages.open(code_page(alpha["code"]))
    assert "EARLY10" not in pages.source()
    assert "doesn’t exist" in pages.text()
