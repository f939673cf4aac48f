"""JSON:API conventions every endpoint keeps: media types, strict query parameters, error documents."""

import pytest
from rest_framework.test import APIClient

from eventsite.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status, **source):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/vnd.api+json")
    error = response.json()["errors"][0]
    assert error["status"] == str(status)
    for key, value in source.items():
        assert error["source"][key] == value
    return error


def test_a_post_with_plain_json_is_a_415(api, organizer, event):
    body = '{"data": {"type": "ticket", "attributes": {}}}'
    assert_error(api(organizer).post("/v1/tickets", body, content_type="application/json"), 415)
    assert_error(api(organizer).post("/v1/tickets", body, content_type="text/plain"), 415)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"bogus": "1"}, "bogus"),
        ({"sort": "nope"}, "sort"),
        ({"filter[nope]": "1"}, "filter[nope]"),
        ({"page[size]": "0"}, "page[size]"),
        ({"page[size]": "101"}, "page[size]"),
        ({"page[size]": "x"}, "page[size]"),
        ({"page[number]": "-1"}, "page[number]"),
        ({"filter[event]": "abc"}, "filter[event]"),
    ],
)
def test_bad_query_parameters_are_400s_naming_the_parameter(params, parameter):
    assert_error(APIClient().get("/v1/tickets", params), 400, parameter=parameter)


def test_an_unknown_include_path_is_a_400():
    assert_error(APIClient().get("/v1/tickets", {"include": "nope"}), 400)


def test_a_repeated_parameter_is_a_400():
    assert_error(APIClient().get("/v1/tickets?sort=name&sort=price"), 400, parameter="sort")


def test_collection_parameters_on_a_single_resource_are_400s(event):
    assert_error(APIClient().get(f"/v1/events/{event.pk}", {"page[size]": "5"}), 400)


def test_sparse_fieldsets(event):
    TicketFactory(event=event)
    data = APIClient().get("/v1/tickets", {"fields[ticket]": "name,price"}).json()["data"][0]
    assert set(data["attributes"]) == {"name", "price"}


def test_an_unknown_url_under_v1_is_a_json_api_404():
    assert_error(APIClient().get("/v1/nothing-here"), 404)
    assert_error(APIClient().get("/v1/tickets/99999999999999999999999"), 404)
    assert_error(APIClient().get("/v1/tickets/abc"), 404)


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[]",
        '{"data": []}',
        '{"data": "x"}',
        '{"data": {"type": "ticket", "attributes": []}}',
        '{"data": {"type": "ticket", "relationships": {"event": 1}}}',
        '{"attributes": {}}',
        '{"data": {"type": "ticket", "attributes": {"price": NaN}}}',
        "[" * 100_000 + "]" * 100_000,
    ],
)
def test_malformed_documents_are_400s(api, organizer, body):
    response = api(organizer).post("/v1/tickets", body)
    assert response.status_code == 400, response.content[:300]
    assert "errors" in response.json()


def test_a_body_over_the_limit_is_a_413(api, organizer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = '{"data": {"type": "ticket", "attributes": {"name": "' + "x" * 2000 + '"}}}'
    assert_error(api(organizer).post("/v1/tickets", body), 413)


def test_a_wrong_resource_type_is_a_409(api, organizer, event):
    assert_error(api(organizer).post("/v1/tickets", {"data": {"type": "event", "attributes": {}}}), 409)


def test_a_server_error_is_a_json_api_500(client, settings):
    from django.test import RequestFactory

    from eventsite.errorpages import server_error

    response = server_error(RequestFactory().get("/v1/tickets"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/vnd.api+json")


def test_unknown_v1_urls_are_json_api_404s_even_with_debug_on(settings):
    settings.DEBUG = True
    assert_error(APIClient().get("/v1/discount-codes/null/relationships/tickets"), 404)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"include": "nope"}, "include"),
        ({"include": "event.nope"}, "include"),
        ({"include": "discount_code"}, "include"),
        ({"include": "event,"}, "include"),
        ({"sort": "created_at"}, "sort"),
        ({"filter[ticket_type]": "paid"}, "filter[ticket_type]"),
        ({"fields[ticket]": "sold_count"}, "fields[ticket]"),
        ({"fields[discount_code]": "code"}, "fields[discount_code]"),
        ({"filter[is-hidden]": "maybe"}, "filter[is-hidden]"),
        ({"filter[is-hidden]": "unknown"}, "filter[is-hidden]"),
        ({"filter[id]": "abc"}, "filter[id]"),
        ({"filter[ticket-type]": "nope"}, "filter[ticket-type]"),
        ({"page[number]": "x"}, "page[number]"),
    ],
)
def test_every_query_parameter_error_names_its_parameter_and_points_nowhere(params, parameter):
    error = assert_error(APIClient().get("/v1/tickets", params), 400, parameter=parameter)
    assert "pointer" not in error["source"]


@pytest.mark.parametrize("url", ["/v1/tickets/{pk}", "/v1/events/{event}/tickets"])
def test_an_unknown_include_is_a_400_at_include_on_single_resources_and_related_lists(url, event):
    ticket = TicketFactory(event=event)
    response = APIClient().get(url.format(pk=ticket.pk, event=event.pk), {"include": "nope"})
    error = assert_error(response, 400, parameter="include")
    assert error["detail"] == "This endpoint cannot include “nope”."


@pytest.mark.parametrize(("value", "count"), [("true", 0), ("false", 1)])
def test_a_yes_no_filter_takes_true_or_false(event, value, count):
    TicketFactory(event=event, is_hidden=False)
    response = APIClient().get("/v1/tickets", {"filter[is-hidden]": value})
    assert response.status_code == 200, response.content
    assert len(response.json()["data"]) == count


@pytest.mark.parametrize("value", ["maybe", "1", "0", "TRUE", "False", "unknown", "yes"])
def test_a_yes_no_filter_refuses_anything_else(value):
    error = assert_error(APIClient().get("/v1/tickets", {"filter[is-hidden]": value}), 400)
    assert error["source"] == {"parameter": "filter[is-hidden]"}


def test_includes_that_exist_are_taken(event):
    TicketFactory(event=event)
    response = APIClient().get("/v1/tickets", {"include": "event", "sort": "-created-at"})
    assert response.status_code == 200 and response.json()["included"][0]["type"] == "event"


def test_errors_about_the_request_as_a_whole_point_at_nothing(api, organizer):
    for response, status in [
        (api(organizer).delete("/v1/tickets"), 405),
        (api(organizer).post("/v1/tickets", "{}", content_type="text/plain"), 415),
    ]:
        error = assert_error(response, status)
        assert "pointer" not in error.get("source", {}), error


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"fields[ticket]": "nope"}, "The ticket resource has no member “nope”."),
        ({"fields[ticket]": "name,prise"}, "The ticket resource has no member “prise”."),
        ({"fields[tiket]": "name"}, "This endpoint shows no resources of type “tiket”."),
    ],
)
def test_a_sparse_fieldset_names_members_the_endpoint_shows(params, detail):
    error = assert_error(APIClient().get("/v1/tickets", params), 400, parameter=next(iter(params)))
    assert error["detail"] == detail


def test_sparse_fieldsets_of_included_types_and_empty_ones_are_taken(event):
    TicketFactory(event=event)
    response = APIClient().get("/v1/tickets", {"include": "event", "fields[event]": "name"})
    assert response.status_code == 200, response.content
    assert set(response.json()["included"][0]["attributes"]) == {"name"}
    response = APIClient().get("/v1/tickets", {"fields[ticket]": ""})
    assert response.status_code == 200, response.content
    assert "attributes" not in response.json()["data"][0]


@pytest.mark.parametrize(
    ("member", "written", "code"),
    [
        ("payment-currency", "EUR0", "currency_unknown"),
        ("payment-currency", "EURO", "currency_unknown"),
        ("timezone", "Mars/Olympus", "timezone_unknown"),
        ("timezone", "Mars/" + "x" * 80, "timezone_unknown"),
    ],
)
def test_an_events_timezone_and_currency_have_the_rules_message_whatever_their_length(
    api, owner, event, member, written, code
):
    doc = {"data": {"type": "event", "id": str(event.pk), "attributes": {member: written}}}
    error = assert_error(api(owner).patch(f"/v1/events/{event.pk}", doc), 422, pointer=f"/data/attributes/{member}")
    assert error["code"] == code
