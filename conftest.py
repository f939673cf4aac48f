from decimal import Decimal

import pytest
from django.db import connection

from eventsite.tests.factories import DiscountCodeFactory, EventFactory, TicketFactory, UserFactory


@pytest.fixture
def owner(db):
    return UserFactory(email="owner@example.org")


@pytest.fixture
def event(owner):
    return EventFactory(name="PyCon Test", owner=owner)


@pytest.fixture
def other_event(db):
    return EventFactory(name="Other Conference")


@pytest.fixture
def paid_ticket(event):
    return TicketFactory(event=event, name="Early bird", price=Decimal("50.00"))


@pytest.fixture
def second_paid_ticket(event):
    return TicketFactory(event=event, name="Student", price=Decimal("20.00"))


@pytest.fixture
def free_ticket(event):
    return TicketFactory(event=event, name="Community", free=True)


@pytest.fixture
def ticket_code(event):
    return DiscountCodeFactory(event=event, code="EARLY", value=Decimal("10.00"))


@pytest.fixture
def event_code(event):
    return DiscountCodeFactory(event=event, code="TEAM", for_event=True, percent=True)


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def pytest_report_header(config):
    return f"database: {connection.vendor}"


@pytest.fixture
def on_postgres():
    """Guard for tests marked ``postgres`` (deselected on other databases, see below)."""
    assert connection.vendor == "postgresql", "this test needs PostgreSQL (DATABASE_URL=postgres://...)"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` prove locking and concurrency, which SQLite cannot show; they are deselected
    (not skipped) when the database is not PostgreSQL, and CI runs the suite on PostgreSQL too."""
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    chosen, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else chosen).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_collectstatic():
    """Production links static files by the hashed names ``collectstatic`` writes (WhiteNoise's manifest storage,
    which refuses to render a page whose files were not collected). The suite never collects, so its pages link the
    files by their plain names; eventsite/tests/test_production.py collects and serves them as production does."""
    from django.conf import settings
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES=settings.STORAGES | {"staticfiles": plain}):
        yield


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory):
    """A SQLite file with every migration applied, made once per run, for the tests that start the service in
    processes of its own on a SQLite file (``eventsite.tests.server.sqlite_database`` copies it)."""
    from eventsite.tests import server

    directory = tmp_path_factory.mktemp("migrated")
    server.sqlite_database(directory)
    return directory / "db.sqlite3"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Tests create many users; the production hasher is slow by design.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _background_jobs_inline(settings):
    # Mails leave on a thread after the response in production (eventsite.background); a test reads mail.outbox
    # right after its request, so jobs run at once. eventsite/tests/test_email_verification.py and
    # test_passwords.py check the request path with the real hand-over.
    settings.BACKGROUND_JOBS_INLINE = True


class JsonApiClient:
    """A test client speaking JSON:API: sends ``application/vnd.api+json`` bodies, logs in with a JWT."""

    MEDIA = "application/vnd.api+json"

    def __init__(self, user=None):
        from rest_framework.test import APIClient
        from rest_framework_simplejwt.tokens import RefreshToken

        self.client = APIClient()
        self.user = user
        if user is not None:
            self.client.credentials(HTTP_AUTHORIZATION=f"JWT {RefreshToken.for_user(user).access_token}")

    def _send(self, method, url, body=None, content_type=None, **extra):
        import json

        data = json.dumps(body) if body is not None and not isinstance(body, (str, bytes)) else body
        kwargs = {"content_type": content_type or self.MEDIA} if data is not None else {}
        return getattr(self.client, method)(url, data=data, **kwargs, **extra)

    def get(self, url, params=None, **extra):
        return self.client.get(url, params or {}, **extra)

    def post(self, url, body=None, **kw):
        return self._send("post", url, body, **kw)

    def patch(self, url, body=None, **kw):
        return self._send("patch", url, body, **kw)

    def delete(self, url, body=None, **kw):
        return self._send("delete", url, body, **kw)


@pytest.fixture
def api():
    """``api(user)`` → a JSON:API client logged in as ``user`` (None: anonymous)."""
    return JsonApiClient


@pytest.fixture
def organizer(event):
    user = UserFactory(email="organizer@example.org")
    event.organizers.add(user)
    return user


@pytest.fixture
def other_organizer(other_event):
    user = UserFactory(email="rival@example.org")
    other_event.organizers.add(user)
    return user


@pytest.fixture
def stranger(db):
    return UserFactory(email="stranger@example.org")


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Each test starts with an empty cache and full throttle budgets (``eventsite/throttle_counts.py``).

    Without REDIS_URL both are tables of the database, as in production: a test that uses the database
    empties them first (their rows then roll back with the test's, or wait for the next test that uses the
    database), any other test never touches them."""
    from django.conf import settings
    from django.core.cache import cache

    from eventsite import throttle_counts

    in_database = settings.CACHES["default"]["BACKEND"].endswith(".DatabaseCache")
    if in_database:
        if not (request.node.get_closest_marker("django_db") or DATABASE_FIXTURES & set(request.fixturenames)):
            yield
            return
        request.getfixturevalue("db")  # the test database first (transactional if the test asked for it)
    cache.clear()
    throttle_counts.forget_all()
    yield
    if not in_database:
        cache.clear()
        throttle_counts.forget_all()
