"""The campaign tools in the admin: generation form, CSV import (preview, line errors, all or nothing) and export
through django-import-export, the report page per code with its SVG charts, the event's ranking; all scoped."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from discounts import csv_format, generation, rules
from discounts.models import DiscountCode
from discounts.tests.sales import sales_fixture  # noqa: F401
from eventsite.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:discounts_discountcode_changelist")
GENERATE = reverse("admin:discounts_discountcode_generate")
IMPORT = reverse("admin:discounts_discountcode_import")
PROCESS_IMPORT = reverse("admin:discounts_discountcode_process_import")
EXPORT = reverse("admin:discounts_discountcode_export")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def rival_client(client, other_organizer):
    client.force_login(other_organizer)
    return client


def generation_form(event, **changes):
    return {
        "event": event.pk,
        "count": 50,
        "prefix": "ADM-",
        "length": 6,
        "alphabet": generation.DEFAULT_ALPHABET,
        "used_for": "event",
        "type": "percent",
        "value": "10",
        "tickets_number": "1",
        "min_quantity": "1",
        "max_quantity": "",
        "valid_from_0": "",
        "valid_from_1": "",
        "valid_till_0": "",
        "valid_till_1": "",
        "is_active": "on",
    } | changes


def test_the_codes_list_offers_generate_import_and_export(organizer_client):
    page = organizer_client.get(CHANGELIST).content.decode()
    for url in (GENERATE, IMPORT, EXPORT):
        assert f'href="{url}' in page or f"href='{url}" in page


def offered_events(client) -> str:
    """What the event field's search (the admin's autocomplete of a code's event) offers the user."""
    query = {"app_label": "discounts", "model_name": "discountcode", "field_name": "event", "term": ""}
    return client.get(reverse("admin:autocomplete"), query).content.decode()


def test_an_organizer_generates_codes_in_the_admin(organizer_client, event, other_event):
    page = organizer_client.get(GENERATE).content.decode()
    assert "Other Conference" not in page and 'data-model-name="discountcode"' in page  # searched, not listed
    offered = offered_events(organizer_client)
    assert "PyCon Test" in offered and "Other Conference" not in offered
    response = organizer_client.post(GENERATE, generation_form(event))
    assert response.status_code == 302
    assert DiscountCode.objects.filter(event=event, code__startswith="ADM-", tickets_number=1).count() == 50


def test_a_refused_generation_shows_the_rules_message_and_writes_nothing(organizer_client, event):
    response = organizer_client.post(GENERATE, generation_form(event, alphabet="AB0", value="150"))
    assert response.status_code == 200
    page = response.content.decode()
    assert generation.ALPHABET_LOOK_ALIKES in page
    assert rules.PERCENT_OUT_OF_RANGE in page
    assert not DiscountCode.objects.exists()


def test_another_organizer_cannot_generate_for_the_event(rival_client, event):
    response = rival_client.post(GENERATE, generation_form(event))
    assert response.status_code == 200  # the form refuses the event: it is not among the choices
    assert "Select a valid choice" in response.content.decode()
    assert not DiscountCode.objects.exists()


# CSV


def upload(client, event, text, name="codes.csv"):
    return client.post(
        IMPORT,
        {"event": event.pk, "format": "0", "import_file": SimpleUploadedFile(name, text.encode(), "text/csv")},
    )


def confirm(client, preview):
    form = preview.context["confirm_form"]
    return client.post(PROCESS_IMPORT, {name: form.initial.get(name, "") for name in form.fields})


def test_an_import_shows_a_preview_then_writes_on_confirmation(organizer_client, event, paid_ticket):
    rules.create_code(event=event, code="EARLY", value=Decimal("5"), used_for="ticket", tickets=[paid_ticket])
    text = csv_format.export_csv(event).replace("EARLY,amount,5.00", "EARLY,amount,7.00")
    text += "NEW1,percent,10.00,event,true,,1,,,,,,\n"
    preview = upload(organizer_client, event, text)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "<del>5.00</del> <ins>7.00</ins>" in page
    assert "NEW1" in page and "New" in page and "Update" in page
    assert not DiscountCode.objects.filter(code="NEW1").exists()  # a preview writes nothing
    done = confirm(organizer_client, preview)
    assert done.status_code == 302
    assert DiscountCode.objects.get(code="NEW1").event == event
    assert DiscountCode.objects.get(code="EARLY").value == Decimal("7.00")
    # The same file again: every row is unchanged.
    again = upload(organizer_client, event, text)
    assert re.search(r"Skip", again.content.decode())
    assert "<ins>" not in again.content.decode()


def test_bad_rows_are_shown_by_line_and_cannot_be_confirmed(organizer_client, event):
    text = ",".join(csv_format.COLUMNS) + "\nOK,amount,1,event\nBAD,percent,101,event\nOK2,amount,1,nowhere\n"
    preview = upload(organizer_client, event, text)
    page = preview.content.decode()
    assert f"Line 3: {rules.PERCENT_OUT_OF_RANGE}" in page
    assert f"Line 4: {rules.USED_FOR_INVALID}".replace("“", "&ldquo;") in page or (
        f"Line 4: {rules.USED_FOR_INVALID}" in page
    )
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not DiscountCode.objects.exists()


def test_an_import_is_scoped_to_the_organizers_events(organizer_client, event, other_event):
    page = organizer_client.get(IMPORT).content.decode()
    assert "Other Conference" not in page and 'data-model-name="discountcode"' in page  # searched, not listed
    offered = offered_events(organizer_client)
    assert "PyCon Test" in offered and "Other Conference" not in offered
    response = upload(organizer_client, other_event, ",".join(csv_format.COLUMNS) + "\nX,amount,1,event\n")
    assert "Select a valid choice" in response.content.decode()
    assert not DiscountCode.objects.exists()


def test_the_export_is_the_commands_csv_of_the_organizers_codes(organizer_client, event, other_event, ticket_code):
    rules.create_code(event=other_event, code="FOREIGN", value=Decimal("1"), used_for="event")
    response = organizer_client.post(EXPORT, {"format": "0", **export_fields()})
    assert response.status_code == 200, response.content[:500]
    assert response.content.decode().replace("\r\n", "\n") == csv_format.export_csv(event)


def export_fields():
    from discounts.admin_campaigns import DiscountCodeCsvResource

    return {f"discountcodecsvresource_{c}": "on" for c in DiscountCodeCsvResource.Meta.fields}


# Reports


def test_the_report_page_shows_the_figures_and_two_svg_charts(organizer_client, sales):
    code = sales["early"]
    page = organizer_client.get(reverse("admin:discounts_discountcode_report", args=[code.pk])).content.decode()
    assert re.search(r'id="figure-uses">3<', page)
    assert re.search(r'id="figure-remaining">47<', page)
    assert re.search(r'id="figure-discount">30.00 EUR<', page)
    assert re.search(r'id="figure-revenue">189.00 EUR<', page)
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="code-chart"') == 2
    assert "2027-03-01" in page and "Early bird" in page
    assert "cdn" not in page.lower()


def test_the_code_page_links_to_its_report(organizer_client, ticket_code):
    page = organizer_client.get(reverse("admin:discounts_discountcode_change", args=[ticket_code.pk])).content
    assert reverse("admin:discounts_discountcode_report", args=[ticket_code.pk]) in page.decode()


def test_the_ranking_lists_the_events_codes_by_use(organizer_client, sales, event):
    page = organizer_client.get(reverse("admin:discounts_discountcode_ranking", args=[event.pk])).content.decode()
    assert page.index(">EARLY<") < page.index(">TEAM<") < page.index(">UNUSED<")


def test_reports_of_another_event_are_not_found(rival_client, sales, event):
    code = sales["early"]
    assert rival_client.get(reverse("admin:discounts_discountcode_report", args=[code.pk])).status_code == 404
    assert rival_client.get(reverse("admin:discounts_discountcode_ranking", args=[event.pk])).status_code == 404


def test_a_user_without_events_gets_no_campaign_pages(client, ticket_code, event):
    client.force_login(UserFactory(email="nobody@example.org"))
    for url in (GENERATE, IMPORT, reverse("admin:discounts_discountcode_report", args=[ticket_code.pk])):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]
