"""``GET /v1/discount-codes/{id}/history`` and ``GET /v1/events/{id}/history``: organizers only, newest first,
paginated, readable after the code is deleted."""

from decimal import Decimal

import pytest

from discounts import rules
from history.context import acting
from history.models import Door

pytestmark = pytest.mark.django_db


def change_value(code, *values, user=None):
    with acting(door=Door.API, user=user):
        for value in values:
            rules.update_code(code, value=Decimal(value))


def test_a_codes_history_newest_first(api, organizer, ticket_code, paid_ticket):
    change_value(ticket_code, "20.00", "30.00", user=organizer)
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    body = api(organizer).get(f"/v1/discount-codes/{ticket_code.pk}/history").json()
    assert [e["type"] for e in body["data"]] == ["history-entry"] * 3
    attached, second, first = (e["attributes"] for e in body["data"])
    assert attached["changes"] == {
        "tickets": {"added": [{"id": paid_ticket.pk, "label": "Early bird"}], "removed": []}
    }
    assert attached["door"] == "other"
    assert second["changes"] == {"value": {"old": "20.00", "new": "30.00"}}
    assert (first["door"], first["action"], first["object-type"], first["object-id"]) == (
        "api",
        "changed",
        "discount-code",
        str(ticket_code.pk),
    )
    assert first["actor-label"] == "organizer@example.org"
    assert body["data"][1]["relationships"]["actor"] == {"data": {"type": "user", "id": str(organizer.pk)}}
    assert body["data"][0]["relationships"]["actor"] == {"data": None}
    assert body["meta"]["pagination"]["count"] == 3


def test_members_are_named_as_the_api_names_them(api, organizer, ticket_code):
    rules.update_code(ticket_code, type="percent", value=Decimal("20"), tickets_number=5)
    changes = api(organizer).get(f"/v1/discount-codes/{ticket_code.pk}/history").json()["data"][0]["attributes"]
    assert set(changes["changes"]) == {"discount-type", "value", "tickets-number"}


def test_a_deleted_codes_history_stays_readable_by_the_organizers_only(api, organizer, other_organizer, ticket_code):
    pk = ticket_code.pk
    change_value(ticket_code, "20.00")
    rules.delete_code(code=ticket_code)
    response = api(organizer).get(f"/v1/discount-codes/{pk}/history")
    assert response.status_code == 200
    assert [e["attributes"]["action"] for e in response.json()["data"]] == ["deleted", "changed"]
    assert api(other_organizer).get(f"/v1/discount-codes/{pk}/history").status_code == 404
    assert api(None).get(f"/v1/discount-codes/{pk}/history").status_code == 401


def test_others_get_404_for_a_code_and_403_for_an_event(api, other_organizer, stranger, ticket_code, event):
    change_value(ticket_code, "20.00")
    for user in (other_organizer, stranger):
        response = api(user).get(f"/v1/discount-codes/{ticket_code.pk}/history")
        assert response.status_code == 404
        assert "EARLY" not in response.content.decode()
        response = api(user).get(f"/v1/events/{event.pk}/history")
        assert response.status_code == 403
        assert "EARLY" not in response.content.decode()
    assert api(other_organizer).get("/v1/discount-codes/999999/history").status_code == 404
    assert api(other_organizer).get("/v1/events/999999/history").status_code == 404


def test_a_managed_code_without_history_is_an_empty_list(api, organizer, ticket_code):
    body = api(organizer).get(f"/v1/discount-codes/{ticket_code.pk}/history").json()
    assert body["data"] == []


def test_an_events_history_is_paginated_and_filtered(api, owner, event, ticket_code, paid_ticket):
    change_value(ticket_code, "11.00", "12.00", "13.00", user=owner)
    rules.attach_tickets(code=ticket_code, tickets=[paid_ticket])
    client = api(owner)
    page = client.get(f"/v1/events/{event.pk}/history", {"page[size]": "2"}).json()
    assert len(page["data"]) == 2
    assert page["meta"]["pagination"]["count"] == 4
    assert "next" in page["links"]
    api_only = client.get(f"/v1/events/{event.pk}/history", {"filter[door]": "api"}).json()
    assert [e["attributes"]["changes"]["value"]["new"] for e in api_only["data"]] == ["13.00", "12.00", "11.00"]


def test_bad_query_parameters_are_400_with_the_parameter(api, owner, event, ticket_code):
    client = api(owner)
    for url, params, name in (
        (f"/v1/events/{event.pk}/history", {"filter[door]": "window"}, "filter[door]"),
        (f"/v1/events/{event.pk}/history", {"filter[actor]": "1"}, "filter[actor]"),
        (f"/v1/events/{event.pk}/history", {"sort": "at"}, "sort"),
        (f"/v1/discount-codes/{ticket_code.pk}/history", {"filter[door]": "api"}, "filter[door]"),
    ):
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert response.json()["errors"][0]["source"] == {"parameter": name}


def test_an_events_history_lists_its_organizers(api, owner, event, organizer):
    from eventsite import rules as event_rules

    event_rules.remove_organizers(event=event, users=[organizer])
    entry = api(owner).get(f"/v1/events/{event.pk}/history").json()["data"][0]["attributes"]
    assert entry["object-type"] == "event"
    assert entry["changes"]["organizers"]["removed"] == [{"id": organizer.pk, "label": organizer.email}]
