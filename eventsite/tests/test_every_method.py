"""Every method on every route under ``/v1``, generated from the URL configuration: never a 5xx, never a
redirect, and every error a JSON:API error document.

Each route of ``get_resolver()`` under ``v1`` (the catch-all as an unknown URL, ``/v1`` itself included) is sent
GET, POST, PATCH, PUT, DELETE, OPTIONS and HEAD, anonymously and as the event's owner, its ids naming rows that
exist; a body goes as JSON:API and as plain JSON. Whatever the answer's status, a 4xx is
``application/vnd.api+json`` holding ``errors``, each error object with JSON:API's members only, and a request
without a body (GET, HEAD, OPTIONS, a DELETE sent without one) gets no ``source.pointer`` (there is nothing to point
into; a bad query parameter is ``source.parameter``). The same route with a trailing slash is a JSON:API 404 for
every method, not a redirect. ``eventsite.api.middleware`` replaces any error answer that is not a JSON:API document
as a last guard and logs a warning: these tests fail on the warning too, so each view answers with an error
document itself.

A new route is covered without writing a test.
"""

import json

import pytest
from rest_framework.test import APIClient

from eventsite.api.exceptions import ERROR_MEMBERS
from eventsite.api.middleware import ERROR_DOCUMENT_TYPE
from eventsite.tests.test_anonymous_access import path_values
from reliability.routes import fill, iter_routes
from reliability.seed import build_world

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "patch", "put", "delete", "options", "head")
BODY_METHODS = ("post", "patch", "put")
BODYLESS_METHODS = ("get", "options", "head")
ROLES = ("anonymous", "owner")
CATCH_ALL = "v1/^.*$"
BODIES = (("{}", "application/vnd.api+json"), ("{}", "application/json"))


def api_routes() -> list[str]:
    routes = [route for route, _ in iter_routes() if route == "v1" or route.startswith("v1/")]
    return ["v1/nothing-here" if route == CATCH_ALL else route for route in routes]


def client_for(world, role: str) -> APIClient:
    client = APIClient()
    token = world.access_token(role)
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"JWT {token}")
    return client


def send(client: APIClient, method: str, url: str):
    if method in BODY_METHODS:
        return [getattr(client, method)(url, body, content_type=ct) for body, ct in BODIES]
    return [getattr(client, method)(url)]


def guard_warnings(caplog) -> list[str]:
    records = caplog.records
    return [r.getMessage() for r in records if r.name == "eventsite.api.middleware" and r.levelname == "WARNING"]


def assert_answer(response, method: str, label: str) -> None:
    status = response.status_code
    shown = f"{label} answered {status}: {response.content[:300]!r}"
    assert status < 500, shown
    assert not 300 <= status < 400, shown
    if status < 400:
        return
    assert response["Content-Type"].startswith(ERROR_DOCUMENT_TYPE), f"{shown} as {response['Content-Type']}"
    if method == "head":
        return
    errors = json.loads(response.content)["errors"]
    assert errors, shown
    for error in errors:
        assert set(error) <= ERROR_MEMBERS, shown
        assert error["status"].startswith("4"), shown
        if method in BODYLESS_METHODS or method == "delete":  # ``send`` sends a DELETE without a body
            assert "pointer" not in error.get("source", {}), f"{shown}: a {method.upper()} has no body to point into"


@pytest.mark.parametrize("route", api_routes())
@pytest.mark.parametrize("method", METHODS)
def test_every_answer_under_v1_is_a_json_api_document_when_it_is_an_error(route, method, caplog):
    world = build_world()
    url = fill(route, path_values(route, world))
    for role in ROLES:
        for response in send(client_for(world, role), method, url):
            assert_answer(response, method, f"{method.upper()} {url} ({role})")
    assert not guard_warnings(caplog)


@pytest.mark.parametrize("route", api_routes())
def test_a_trailing_slash_is_a_json_api_404_for_every_method(route, settings, caplog):
    settings.DEBUG = True  # with DEBUG on, Django's APPEND_SLASH answers a POST it would redirect with a 500
    world = build_world()
    url = fill(route, path_values(route, world)).rstrip("/") + "/"
    if url == "/v1/":
        url = "/v1//"
    for method in METHODS:
        for response in send(client_for(world, "owner"), method, url):
            assert_answer(response, method, f"{method.upper()} {url}")
            assert response.status_code == 404, response.content[:300]
    assert not guard_warnings(caplog)


@pytest.mark.parametrize("method", METHODS)
def test_v1_itself_is_a_json_api_404_not_a_redirect(method, settings):
    settings.DEBUG = True
    for response in send(APIClient(), method, "/v1"):
        assert_answer(response, method, f"{method.upper()} /v1")
        assert response.status_code == 404


def test_the_guard_turns_any_other_error_answer_into_a_json_api_document(rf, caplog):
    from django.http import HttpResponseNotAllowed

    from eventsite.api.middleware import APIMiddleware

    response = APIMiddleware(lambda request: HttpResponseNotAllowed(["GET"]))(rf.post("/v1/anything"))
    assert response.status_code == 405 and response["Allow"] == "GET"
    assert response["Content-Type"] == ERROR_DOCUMENT_TYPE
    assert json.loads(response.content)["errors"][0]["status"] == "405"
    assert guard_warnings(caplog)


def test_the_docs_page_and_the_schema_answer_get_head_and_options():
    client = APIClient()
    assert client.get("/v1/docs")["Content-Type"].startswith("text/html")
    assert client.head("/v1/schema").status_code == 200
    for url in ("/v1/docs", "/v1/schema"):
        response = client.options(url)
        assert (response.status_code, response["Allow"]) == (204, "GET, HEAD, OPTIONS")
        response = client.post(url)
        assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"
        assert json.loads(response.content)["errors"][0]["code"] == "method_not_allowed"
