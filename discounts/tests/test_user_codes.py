"""``GET /v1/users/{id}/discount-codes`` (as Open Event clients read it): the codes a user created (``marketer``).

Asked by the user themself or an admin; anyone else finds nothing (404), an anonymous request is a 401. Like every
list of codes it shows only codes of events the requester manages: an organizer who left an event no longer sees
the codes they made there, nor their text.
"""

import pytest

from discounts import rules
from eventsite.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def create(event, marketer, code):
    return rules.create_code(event=event, marketer=marketer, code=code, used_for="event", type="amount", value=1)


@pytest.fixture
def made(event, other_event, organizer, owner):
    """The organizer made two codes in ``event`` and one in an event they have since left; the owner one."""
    former = EventFactory(name="Last year")
    former.organizers.add(organizer)
    codes = {
        "mine": [create(event, organizer, "MINE1"), create(event, organizer, "MINE2")],
        "left": create(former, organizer, "FORMER"),
        "owners": create(event, owner, "OWNERS"),
    }
    former.organizers.remove(organizer)
    return codes


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["data"]]


def test_a_user_reads_the_codes_they_made_in_events_they_manage(api, organizer, made):
    response = api(organizer).get(f"/v1/users/{organizer.pk}/discount-codes")
    assert ids(response) == [str(c.pk) for c in made["mine"]]
    assert {c["attributes"]["code"] for c in response.json()["data"]} == {"MINE1", "MINE2"}
    assert "FORMER" not in response.content.decode()


def test_an_admin_reads_every_code_a_user_made(api, superuser, organizer, made):
    response = api(superuser).get(f"/v1/users/{organizer.pk}/discount-codes", {"include": "event"})
    assert ids(response) == [str(c.pk) for c in [*made["mine"], made["left"]]]
    assert api(superuser).get("/v1/users/987654/discount-codes").status_code == 404


def test_nobody_else_reads_them(api, owner, stranger, other_organizer, organizer, made):
    for user in (owner, stranger, other_organizer):  # the owner manages the event, yet these are not their codes
        response = api(user).get(f"/v1/users/{organizer.pk}/discount-codes")
        assert response.status_code == 404, response.content
        assert "MINE1" not in response.content.decode()
    assert api(None).get(f"/v1/users/{organizer.pk}/discount-codes").status_code == 401


def test_the_list_is_paginated_sorted_and_filtered(api, organizer, made):
    url = f"/v1/users/{organizer.pk}/discount-codes"
    body = api(organizer).get(url, {"page[size]": 1, "sort": "-code"}).json()
    assert [c["attributes"]["code"] for c in body["data"]] == ["MINE2"]
    assert body["meta"]["pagination"]["count"] == 2
    assert ids(api(organizer).get(url, {"filter[code.iexact]": "mine1"})) == [str(made["mine"][0].pk)]


def test_a_user_who_made_nothing_reads_an_empty_list(api, stranger):
    assert ids(api(stranger).get(f"/v1/users/{stranger.pk}/discount-codes")) == []
