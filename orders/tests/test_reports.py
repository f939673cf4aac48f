"""Reports against orders built by hand: every expected number is worked out here, not by the code under test."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discounts import rules
from discounts.charts import bar_chart
from discounts.models import DiscountCode
from discounts.tests.sales import sales_fixture  # noqa: F401
from orders import reports

pytestmark = pytest.mark.django_db


def test_a_codes_report_adds_up_its_placed_orders(sales, paid_ticket, second_paid_ticket):
    early = DiscountCode.objects.select_related("event").get(pk=sales["early"].pk)
    with CaptureQueriesContext(connection) as ctx:
        report = reports.code_report(early)
    assert len(ctx.captured_queries) == 3
    assert report.uses == 2 + 1 == early.used_count
    assert report.remaining == 50 - 3
    assert report.orders == 2
    assert report.discount == Decimal("30.00")
    assert report.revenue == Decimal("80.00") + Decimal("10.00") + Decimal("99.00")
    assert [(t.name, t.applies, t.uses, t.sold, t.discount, t.revenue) for t in report.tickets] == [
        ("Early bird", True, 2, 2, Decimal("20.00"), Decimal("80.00")),
        ("Student", True, 1, 1, Decimal("10.00"), Decimal("10.00")),
        ("Regular", False, 0, 1, Decimal("0.00"), Decimal("99.00")),
    ]
    # Days in the event's time zone (Berlin): 23:30 UTC on 2 March is 00:30 on 3 March there.
    assert report.per_day == [(date(2027, 3, 1), 2), (date(2027, 3, 3), 1)]


def test_an_event_code_reports_every_paid_ticket_it_applies_to(sales, paid_ticket, second_paid_ticket):
    report = reports.code_report(sales["team"])
    assert (report.uses, report.discount, report.revenue, report.remaining) == (
        1,
        Decimal("19.80"),
        Decimal("79.20"),
        None,
    )
    assert [(t.name, t.uses) for t in report.tickets] == [("Regular", 1), ("Early bird", 0), ("Student", 0)]


def test_the_events_codes_are_ranked_by_use_in_one_query(sales, event):
    with CaptureQueriesContext(connection) as ctx:
        ranked = list(reports.ranked_codes(event.pk))
    assert len(ctx.captured_queries) == 1
    assert [(c.code, c.uses, c.discount_given, c.revenue, c.order_count) for c in ranked] == [
        ("EARLY", 3, Decimal("30.00"), Decimal("189.00"), 2),
        ("TEAM", 1, Decimal("19.80"), Decimal("79.20"), 1),
        ("UNUSED", 0, Decimal("0.00"), Decimal("0.00"), 0),
    ]


def test_a_code_without_orders_reports_zeros(ticket_code, paid_ticket):
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    report = reports.code_report(ticket_code)
    assert (report.uses, report.orders, report.discount, report.revenue, report.per_day) == (
        0,
        0,
        Decimal("0.00"),
        Decimal("0.00"),
        [],
    )
    assert [(t.name, t.uses) for t in report.tickets] == [("Early bird", 0)]


def test_the_chart_is_an_escaped_inline_svg():
    svg = bar_chart([("<b>", 3), ("2027-03-02", 1)], title="Uses & days")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "&lt;b&gt;" in svg and "<b>" not in svg
    assert 'aria-label="Uses &amp; days"' in svg
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert "No uses yet." in bar_chart([], title="empty")
