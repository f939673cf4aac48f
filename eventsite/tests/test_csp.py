"""Every HTML page carries the site's Content-Security-Policy (django-csp, settings.CONTENT_SECURITY_POLICY): no
inline code but with the response's nonce, nothing from elsewhere; the API's JSON keeps its stricter policy. The
browser tests (discounts/tests/test_csp_browser.py) show the pages run under it without a violation."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["admin:login", "admin:index", "admin:discounts_discountcode_changelist", "docs"])
def test_html_pages_carry_the_policy(client, superuser, name):
    if name != "admin:login":
        client.force_login(superuser)
    response = client.get(reverse(name))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_api_keeps_its_own_stricter_policy(client):
    assert client.get("/v1/events")["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_the_docs_inline_style_is_allowed_by_the_nonce_only(client):
    response = client.get(reverse("docs"))
    nonce = response.context["request"].csp_nonce
    assert f'<style nonce="{nonce}">' in response.content.decode()
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert "<script>" not in response.content.decode()  # the start-up script is a file (the split view)
