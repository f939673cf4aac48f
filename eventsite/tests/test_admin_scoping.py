"""No admin page shows an organizer another event's data: every registered admin, every kind of page.

Two organizers, Alpha's and Bravo's, each with tickets and codes whose names appear nowhere else. The walk
visits each admin's changelist (with its filters and a search), add page, and the change, delete and history
pages of every object of both events, every autocomplete source, and the delete and attach actions on the
other event's rows; the other event's names and codes must never be in the HTML or JSON, and its objects'
URLs must answer 403, 404 or a redirect away.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from discounts import rules
from discounts.models import DiscountCode
from eventsite.models import Event, OrganizerInvitation
from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

ALPHA_MARKS = [
    "Alphaville Conf",
    "Alpha-Earlybird",
    "Alpha-Freepass",
    "ALPHATIX",
    "ALPHAALL",
    "alpha-owner@",
    "alpha-invitee@",
]
BRAVO_MARKS = [
    "Bravoland Summit", "Bravo-Student", "Bravo-Patron", "BRAVOTIX", "BRAVOALL", "bravo-organizer@", "bravo-invitee@"
]  # fmt: skip


def build_event(name, owner, tickets, ticket_code, event_code):
    event = EventFactory(name=name, owner=owner, payment_currency="EUR")
    paid = TicketFactory(event=event, name=tickets[0], price=Decimal("40.00"))
    second = TicketFactory(event=event, name=tickets[1], price=Decimal("30.00"))
    code = DiscountCodeFactory(event=event, code=ticket_code, value=Decimal("5.00"))
    DiscountCodeFactory(event=event, code=event_code, for_event=True, percent=True)
    rules.attach_tickets(code=code, tickets=[paid])
    return event, second


@pytest.fixture
def world():
    alpha_owner = UserFactory(email="alpha-owner@example.test")
    bravo_owner = UserFactory(email="bravo-owner-boss@example.test")
    bravo_organizer = UserFactory(email="bravo-organizer@example.test")
    alpha, _ = build_event(
        "Alphaville Conf", alpha_owner, ["Alpha-Earlybird", "Alpha-Freepass"], "ALPHATIX", "ALPHAALL"
    )
    bravo, _ = build_event("Bravoland Summit", bravo_owner, ["Bravo-Student", "Bravo-Patron"], "BRAVOTIX", "BRAVOALL")
    bravo.organizers.add(bravo_organizer)
    for event in (alpha, bravo):  # pending invitations: their addresses are the owners' to know
        invitee = "alpha-invitee@example.test" if event is alpha else "bravo-invitee@example.test"
        OrganizerInvitation.objects.create(event=event, email=invitee, invited_by=event.owner)
    return {"alpha": (alpha_owner, alpha), "bravo": (bravo_organizer, bravo)}


def objects_of(event: Event):
    return [event, *Ticket.objects.filter(event=event), *DiscountCode.objects.filter(event=event)]


def admin_url(obj, view):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


def assert_clean(response, marks, where):
    body = response.content.decode()
    leaked = [mark for mark in marks if mark.lower() in body.lower()]
    assert not leaked, f"{where} shows {leaked}"


def refused(response) -> bool:
    return response.status_code in (403, 404) or (
        response.status_code == 302 and response.url.rstrip("/").endswith("/admin")
    )


def autocomplete_sources():
    """Every (model, relation) whose target model has a registered admin: what select2 could ask for."""
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if field.is_relation and field.related_model in admin.site._registry:
                yield model, field


@pytest.mark.parametrize(("me", "them"), [("alpha", "bravo"), ("bravo", "alpha")])
def test_no_admin_page_shows_an_organizer_another_events_data(client, world, me, them):
    user, mine = world[me]
    _, theirs = world[them]
    their_marks = ALPHA_MARKS if them == "alpha" else BRAVO_MARKS
    my_marks = ALPHA_MARKS if me == "alpha" else BRAVO_MARKS
    client.force_login(user)
    visited = 0

    for model in admin.site._registry:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for url in (changelist, changelist + "?q=a", reverse(f"admin:{opts.app_label}_{opts.model_name}_add")):
            response = client.get(url)
            assert response.status_code in (200, 403), url
            assert_clean(response, their_marks, url)
            visited += 1

    for obj in objects_of(mine):
        for view in ("change", "delete", "history"):
            if view == "delete" and isinstance(obj, Event) and obj.owner_id != user.pk:
                continue  # only the owner may delete an event; the organizer gets 403 (below)
            response = client.get(admin_url(obj, view))
            assert response.status_code == 200, admin_url(obj, view)
            assert_clean(response, their_marks, admin_url(obj, view))
            visited += 1

    for obj in [*objects_of(theirs), *OrganizerInvitation.objects.filter(event=theirs)]:
        for view in ("change", "delete", "history"):
            response = client.get(admin_url(obj, view), follow=False)
            assert refused(response), (admin_url(obj, view), response.status_code)
            assert_clean(response, their_marks, admin_url(obj, view))
            visited += 1

    for model, field in autocomplete_sources():
        params = {"app_label": model._meta.app_label, "model_name": model._meta.model_name, "field_name": field.name}
        for term in ("", "a", "o"):
            response = client.get(reverse("admin:autocomplete"), params | {"term": term})
            assert response.status_code in (200, 403, 404), params
            assert_clean(response, their_marks, f"autocomplete {params} {term!r}")
            visited += 1

    their_code = DiscountCode.objects.get(event=theirs, used_for="ticket")
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "discounts", "model_name": "discountcode", "field_name": "tickets", "code": their_code.pk},
    )
    assert response.json()["results"] == []

    # The walk saw the user's own data, so an empty page could not pass for a clean one.
    own_pages = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert all(mark in own_pages for mark in my_marks[:2])
    assert visited > 50


@pytest.mark.parametrize(
    ("changelist", "model", "action"),
    [
        ("admin:tickets_ticket_changelist", Ticket, "delete_selected"),
        ("admin:tickets_ticket_changelist", Ticket, "detach_from_code"),
        ("admin:tickets_ticket_changelist", Ticket, "attach_to_code"),
        ("admin:discounts_discountcode_changelist", DiscountCode, "delete_selected"),
        ("admin:eventsite_event_changelist", Event, "delete_selected"),
    ],
)
def test_actions_ignore_another_events_rows(client, world, changelist, model, action):
    user, _ = world["alpha"]
    _, bravo = world["bravo"]
    client.force_login(user)
    theirs = [obj.pk for obj in model.objects.all() if (obj.pk if model is Event else obj.event_id) == bravo.pk]
    before = {
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "discount_code_id")),
        "codes": DiscountCode.objects.count(),
        "events": Event.objects.count(),
    }
    for post in ({}, {"post": "yes"}, {"apply": "Attach"}):
        response = client.post(
            reverse(changelist), {"action": action, "_selected_action": [str(pk) for pk in theirs], **post}
        )
        assert response.status_code in (200, 302)
        assert_clean(response, BRAVO_MARKS, f"{action} {post}")
    after = {
        "tickets": list(Ticket.objects.order_by("pk").values_list("pk", "discount_code_id")),
        "codes": DiscountCode.objects.count(),
        "events": Event.objects.count(),
    }
    assert after == before
    assert not LogEntry.objects.filter(user=user).exists()


def test_the_add_forms_offer_only_the_organizers_events_and_codes(client, world):
    """The add forms search their event and code as one types (autocomplete): the page lists no event, and the
    search answers only the organizer's own."""
    user, _ = world["alpha"]
    client.force_login(user)
    for name in ("admin:tickets_ticket_add", "admin:discounts_discountcode_add"):
        assert_clean(client.get(reverse(name)), BRAVO_MARKS, name)
    for app_label, model_name, field_name, mark in (
        ("tickets", "ticket", "event", "Alphaville Conf"),
        ("tickets", "ticket", "discount_code", "ALPHATIX"),
        ("discounts", "discountcode", "event", "Alphaville Conf"),
    ):
        query = {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""}
        response = client.get(reverse("admin:autocomplete"), query)
        assert mark in response.content.decode()
        assert_clean(response, BRAVO_MARKS, f"autocomplete of {model_name}.{field_name}")


def test_posting_another_events_id_into_a_form_is_refused(client, world):
    user, _ = world["alpha"]
    _, bravo = world["bravo"]
    client.force_login(user)
    response = client.post(
        reverse("admin:tickets_ticket_add"),
        {"event": str(bravo.pk), "name": "Smuggled", "type": "paid", "price": "10.00", "quantity": "5",
         "position": "0", "min_order": "1", "max_order": "5"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Ticket.objects.filter(name="Smuggled").exists()


def test_a_superuser_sees_both_events(client, world, superuser):
    client.force_login(superuser)
    page = client.get(reverse("admin:discounts_discountcode_changelist")).content.decode()
    assert "ALPHATIX" in page and "BRAVOTIX" in page
