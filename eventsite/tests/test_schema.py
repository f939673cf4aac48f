"""The OpenAPI document and the docs page that reads it, with every asset served from this site."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_schema_describes_every_v1_operation(client):
    response = client.get("/v1/schema", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    for path in (
        "/v1/discount-codes",
        "/v1/discount-codes/{id}/relationships/tickets",
        "/v1/tickets/{id}/relationships/discount-code",
        "/v1/events/{event_pk}/discount-codes/{code}",
        "/v1/auth/login",
    ):
        assert path in paths, sorted(paths)
    assert "application/vnd.api+json" in str(paths["/v1/discount-codes"]["post"]["requestBody"])


def test_the_docs_page_uses_no_cdn(client):
    page = client.get("/v1/docs").content.decode()
    assert "swagger-ui" in page
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/" in page


def test_the_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 10_000
