"""Events: public to read; whoever creates one owns it; organizers join by invitation, the owner removes them."""

import pytest

from eventsite.models import Event

pytestmark = pytest.mark.django_db


def event_doc(**attributes):
    attrs = {"name": "DjangoCon", "starts-at": "2030-05-01T09:00:00+02:00", "ends-at": "2030-05-03T18:00:00+02:00"}
    return {"data": {"type": "event", "attributes": attrs | attributes}}


def test_creating_an_event_makes_its_owner(api, stranger):
    response = api(stranger).post("/v1/events", event_doc())
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["attributes"]["timezone"] == "UTC" and data["attributes"]["payment-currency"] == "USD"
    assert len(data["attributes"]["identifier"]) == 8
    assert data["relationships"]["owner"]["data"] == {"type": "user", "id": str(stranger.pk)}


@pytest.mark.parametrize(
    ("attributes", "pointer"),
    [
        ({"ends-at": "2030-04-01T09:00:00Z"}, "/data/attributes/ends-at"),
        ({"timezone": "Mars/Olympus"}, "/data/attributes/timezone"),
        ({"payment-currency": "XXX"}, "/data/attributes/payment-currency"),
        ({"name": ""}, "/data/attributes/name"),
    ],
)
def test_bad_events_are_refused(api, stranger, attributes, pointer):
    response = api(stranger).post("/v1/events", event_doc(**attributes))
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["source"]["pointer"] == pointer
    assert not Event.objects.exists()


def test_anonymous_users_cannot_create_events(api):
    assert api(None).post("/v1/events", event_doc()).status_code == 401


def test_events_are_public(api, event):
    assert api(None).get("/v1/events").json()["meta"]["pagination"]["count"] == 1
    assert api(None).get(f"/v1/events/{event.pk}").status_code == 200


def test_organizers_change_but_only_owners_delete(api, organizer, stranger, owner, event):
    doc = {"data": {"type": "event", "id": str(event.pk), "attributes": {"name": "Renamed"}}}
    assert api(stranger).patch(f"/v1/events/{event.pk}", doc).status_code == 403
    assert api(organizer).patch(f"/v1/events/{event.pk}", doc).status_code == 200
    assert api(organizer).delete(f"/v1/events/{event.pk}").status_code == 403
    assert api(owner).delete(f"/v1/events/{event.pk}").status_code == 204
    assert not Event.objects.exists()


def test_nobody_adds_organizers_by_id_and_the_owner_removes_them(api, owner, organizer, stranger, superuser, event):
    url = f"/v1/events/{event.pk}/relationships/organizers"
    linkage = {"data": [{"type": "user", "id": str(stranger.pk)}]}
    for method in ("post", "patch"):
        assert getattr(api(stranger), method)(url, linkage).status_code == 404
        for who in (organizer, owner, superuser):
            response = getattr(api(who), method)(url, linkage)
            assert response.status_code == 403, (method, who)
            assert "organizer-invitations" in response.json()["errors"][0]["detail"]
    assert list(event.organizers.all()) == [organizer]
    response = api(owner).get(url)
    assert response.json()["data"] == [{"type": "user", "id": str(organizer.pk)}]
    assert api(organizer).delete(url, {"data": [{"type": "user", "id": str(organizer.pk)}]}).status_code == 403
    assert api(owner).delete(url, {"data": [{"type": "user", "id": str(organizer.pk)}]}).json()["data"] == []
    assert not event.organizers.exists()
