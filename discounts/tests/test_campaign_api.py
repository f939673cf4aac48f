"""The campaign endpoints: generation (JSON:API document, rules with pointers), reports (who sees them, what they
say, how many queries)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from discounts import generation as generation_module
from discounts import rules
from discounts.models import DiscountCode
from discounts.tests.sales import place, sales_fixture  # noqa: F401  (the hand-built orders)
from eventsite.tests.factories import DiscountCodeFactory, UserFactory

pytestmark = pytest.mark.django_db


def generation(tickets=None, **attributes):
    attrs = {"count": 3, "prefix": "FALL-", "discount-type": "percent", "value": "15"} | attributes
    doc = {"data": {"type": "code-generation", "attributes": attrs}}
    if tickets is not None:
        doc["data"]["relationships"] = {"tickets": {"data": [{"type": "ticket", "id": str(t.pk)} for t in tickets]}}
    return doc


def url(event):
    return f"/v1/events/{event.pk}/code-generations"


def test_an_organizer_generates_codes(api, organizer, event):
    response = api(organizer).post(url(event), generation(count=25, length=6, **{"tickets-number": 1}))
    assert response.status_code == 201, response.content
    assert response["Content-Type"].startswith("application/vnd.api+json")
    body = response.json()
    assert body["meta"] == {"count": 25}
    assert len(body["data"]) == 25
    first = body["data"][0]
    assert first["type"] == "discount-code"
    code = DiscountCode.objects.get(pk=first["id"])
    assert code.code == first["attributes"]["code"] and code.code.startswith("FALL-") and len(code.code) == 11
    assert (code.used_for, code.type, code.value, code.tickets_number, code.marketer) == (
        "event",
        "percent",
        Decimal("15.00"),
        1,
        organizer,
    )


@pytest.mark.parametrize(
    ("attributes", "status", "pointer", "code"),
    [
        ({"count": 10_001}, 422, "/data/attributes/count", "count_out_of_range"),
        ({"alphabet": "AB0"}, 422, "/data/attributes/alphabet", "alphabet_look_alikes"),
        ({"length": 2}, 422, "/data/attributes/length", "length_out_of_range"),
        ({"value": "101"}, 422, "/data/attributes/value", "percent_out_of_range"),
        ({"prefix": "A B"}, 422, "/data/attributes/prefix", "code_whitespace"),
        ({"count": 20, "length": 4, "alphabet": "AB"}, 409, "/data/attributes/count", "space_too_small"),
    ],
)
def test_a_refused_generation_points_at_the_member_and_writes_nothing(
    api, organizer, event, attributes, status, pointer, code
):
    response = api(organizer).post(url(event), generation(**attributes))
    assert response.status_code == status, response.content
    [error] = response.json()["errors"]
    assert (error["source"]["pointer"], error["code"]) == (pointer, code)
    assert not DiscountCode.objects.exists()


def test_generated_codes_cannot_share_tickets(api, organizer, event, paid_ticket):
    response = api(organizer).post(url(event), generation(tickets=[paid_ticket], **{"used-for": "ticket"}))
    assert response.status_code == 422, response.content
    [error] = response.json()["errors"]
    assert error["source"]["pointer"] == "/data/relationships/tickets"
    assert error["detail"] == generation_module.GENERATED_CODES_SHARE_NO_TICKETS.format(n=3)


def test_a_generation_needs_the_right_type(api, organizer, event):
    doc = generation()
    doc["data"]["type"] = "discount-code"
    assert api(organizer).post(url(event), doc).status_code == 409


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 401), ("stranger", 403), ("other_organizer", 403), ("owner", 201)]
)
def test_only_the_events_organizers_generate(request, api, event, who, status):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = api(user).post(url(event), generation())
    assert response.status_code == status, response.content
    assert DiscountCode.objects.exists() == (status == 201)


def test_an_unknown_event_is_404(api, organizer):
    assert api(organizer).post("/v1/events/999999/code-generations", generation()).status_code == 404


# Reports


def test_a_codes_report_over_the_api(api, organizer, sales):
    response = api(organizer).get(f"/v1/discount-codes/{sales['early'].pk}/report")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["type"], data["id"]) == ("discount-code-report", str(sales["early"].pk))
    attributes = data["attributes"]
    assert {k: attributes[k] for k in ("uses", "remaining", "limit", "orders", "discount-given", "revenue")} == {
        "uses": 3,
        "remaining": 47,
        "limit": 50,
        "orders": 2,
        "discount-given": "30.00",
        "revenue": "189.00",
    }
    assert [(t["name"], t["uses"], t["revenue"]) for t in attributes["tickets"]] == [
        ("Early bird", 2, "80.00"),
        ("Student", 1, "10.00"),
        ("Regular", 0, "99.00"),
    ]
    assert attributes["uses-per-day"] == [{"date": "2027-03-01", "uses": 2}, {"date": "2027-03-03", "uses": 1}]
    assert data["relationships"]["discount-code"]["data"] == {"type": "discount-code", "id": data["id"]}


def test_the_events_ranking_over_the_api(api, organizer, event, sales):
    response = api(organizer).get(f"/v1/events/{event.pk}/discount-code-report", {"page[size]": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(r["attributes"]["rank"], r["attributes"]["code"], r["attributes"]["uses"]) for r in body["data"]] == [
        (1, "EARLY", 3),
        (2, "TEAM", 1),
    ]
    assert body["meta"]["pagination"]["count"] == 3
    second = api(organizer).get(body["links"]["next"])
    assert [(r["attributes"]["rank"], r["attributes"]["code"]) for r in second.json()["data"]] == [(3, "UNUSED")]


def test_report_endpoints_take_no_unknown_query_parameters(api, organizer, event, ticket_code):
    for path in (f"/v1/discount-codes/{ticket_code.pk}/report", f"/v1/events/{event.pk}/discount-code-report"):
        response = api(organizer).get(path, {"since": "yesterday"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["source"] == {"parameter": "since"}
    assert api(organizer).get(f"/v1/discount-codes/{ticket_code.pk}/report", {"page[size]": 2}).status_code == 400


@pytest.mark.parametrize(
    ("who", "code_status", "event_status"),
    [
        ("anonymous", 401, 401),
        ("stranger", 404, 403),
        ("other_organizer", 404, 403),
        ("organizer", 200, 200),
        ("owner", 200, 200),
        ("superuser", 200, 200),
    ],
)
def test_only_the_events_organizers_see_reports(request, api, event, ticket_code, who, code_status, event_status):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    assert api(user).get(f"/v1/discount-codes/{ticket_code.pk}/report").status_code == code_status
    assert api(user).get(f"/v1/events/{event.pk}/discount-code-report").status_code == event_status


def count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_report_query_counts_are_fixed(api, organizer, event, sales, paid_ticket):
    """Code report: user, managed events, the code, per ticket, per day, its tickets = 6.
    Ranking: user, managed events, the event, COUNT, the page = 5. More codes and orders add none."""
    client = api(organizer)
    code_path = f"/v1/discount-codes/{sales['early'].pk}/report"
    ranking_path = f"/v1/events/{event.pk}/discount-code-report"
    assert count_queries(client, code_path) == 6
    assert count_queries(client, ranking_path, {"page[size]": 100}) == 5
    DiscountCodeFactory.create_batch(30, event=event, for_event=True)
    event.organizers.add(*UserFactory.create_batch(5))
    for _ in range(5):
        place([(paid_ticket, 1)], "EARLY")
    assert count_queries(client, code_path) == 6
    assert count_queries(client, ranking_path, {"page[size]": 100}) == 5


def test_generation_is_not_mistaken_for_a_code_check(api, event):
    # The public check lives at /events/{id}/discount-codes/{code}; a code may be called "code-generations".
    rules.create_code(event=event, code="code-generations", value=Decimal("1"), used_for="event")
    assert api(None).get(f"/v1/events/{event.pk}/discount-codes/code-generations").status_code == 200
