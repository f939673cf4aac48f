"""A Redis outage (``REDIS_URL`` pointing at a port where nothing listens): the throttled endpoints fail closed
with a JSON:API 503, a token refresh fails open, and the rest of the API keeps working.
See eventsite/api/throttling.py for why."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from reliability import figures
from reliability.seed import build_world

pytestmark = [pytest.mark.reliability, pytest.mark.django_db]

DOWN = "redis://127.0.0.1:1/0"  # port 1: nothing listens, connections are refused at once


@pytest.fixture
def redis_down(settings):
    settings.REDIS_URL = DOWN  # the throttles' counts (eventsite/throttle_counts.py), and the cache:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DOWN,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    from django.core.cache import cache

    with pytest.raises(Exception):  # noqa: B017 - whatever redis-py raises: the cache is really unreachable
        cache.get("probe")
    figures.record("faults_injected")
    yield
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def as_user(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")
    return client


def assert_503(response):
    assert response.status_code == 503, response.content
    error = response.json()["errors"][0]
    assert error["status"] == "503" and error["code"] == "rate_limit_unavailable"


def test_the_throttled_endpoints_fail_closed(redis_down):
    w = build_world()
    assert_503(APIClient().get(f"/v1/events/{w.event.pk}/discount-codes/{w.code.code}"))
    assert_503(
        APIClient().post(
            "/v1/orders/calculate-amount", {"tickets": [{"id": str(w.spare_ticket.pk), "quantity": 1}]}, format="json"
        )
    )
    assert_503(APIClient().post("/v1/auth/login", {"email": w.owner.email, "password": w.password}, format="json"))


def test_a_token_refresh_fails_open(redis_down):
    w = build_world()
    response = APIClient().post(
        "/v1/auth/token/refresh", {"refresh_token": str(RefreshToken.for_user(w.owner))}, format="json"
    )
    assert response.status_code == 200, response.content


def test_the_rest_of_the_api_keeps_working(redis_down):
    w = build_world()
    organizer = as_user(w.organizer)
    assert APIClient().get("/v1/events").status_code == 200
    assert organizer.get(f"/v1/discount-codes/{w.code.pk}").status_code == 200
    body = {"data": {"type": "order", "attributes": {"tickets": [{"id": str(w.spare_ticket.pk), "quantity": 1}]}}}
    response = as_user(w.stranger).post("/v1/orders", body, format="vnd.api+json")
    assert response.status_code == 201, response.content
