"""Production as the README's Production section runs it, in real processes: ``collectstatic`` into a STATIC_ROOT of
its own, then gunicorn (2 workers) with DEBUG off, a SECRET_KEY, ALLOWED_HOSTS and the HTTPS redirect on, behind a
TLS proxy (``X-Forwarded-Proto: https``). The app serves its own static files (WhiteNoise): the admin's stylesheet
and scripts, the API docs' Swagger UI and the landing page's stylesheet, by hashed names, compressed, cached for
good. ``/healthz`` answers load balancers over plain HTTP, and a database that is away is a 503 logged as no error.
"""

import gzip
import json
import re
import urllib.error
import urllib.request

import pytest

from eventsite.tests import server

SECRET = "production-test-" + "k" * 50


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def fetch(url: str, *, https: bool = True, gzipped: bool = False):
    headers = {"X-Forwarded-Proto": "https"} if https else {}
    if gzipped:
        headers["Accept-Encoding"] = "gzip"
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def production_env(tmp, database_url: str) -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "1",
        "STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture(scope="module")
def production(tmp_path_factory, migrated_sqlite):
    tmp = tmp_path_factory.mktemp("production")
    env = production_env(tmp, server.sqlite_database(tmp, migrated_sqlite))
    server.manage("collectstatic", "--noinput", **env)
    with server.gunicorn(log=tmp / "gunicorn.log", **env) as base:
        yield base, tmp


def static_links(page: bytes) -> list[str]:
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', page.decode())


def manifest(tmp) -> dict[str, str]:
    return json.loads((tmp / "static" / "staticfiles.json").read_text())["paths"]


def assert_served(base: str, path: str, content_type: str):
    status, headers, body = fetch(base + path)
    assert status == 200, (path, status)
    assert headers["Content-Type"].split(";")[0] == content_type, (path, headers["Content-Type"])
    assert "immutable" in headers["Cache-Control"], headers["Cache-Control"]  # a hashed name never changes
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body
    status, headers, zipped = fetch(base + path, gzipped=True)
    assert status == 200 and headers["Content-Encoding"] == "gzip", (path, headers)
    assert gzip.decompress(zipped) == body


def test_the_admin_gets_its_stylesheet_and_scripts(production):
    base, tmp = production
    status, _, page = fetch(f"{base}/admin/login/")
    assert status == 200
    links = static_links(page)
    (stylesheet,) = [link for link in links if re.fullmatch(r"/static/admin/css/base\.[0-9a-f]{12}\.css", link)]
    assert_served(base, stylesheet, "text/css")
    for link in links:
        assert fetch(base + link)[0] == 200, link
    # the autocomplete the ticket attach widget needs (on pages behind the log-in)
    assert_served(base, "/static/" + manifest(tmp)["admin/js/autocomplete.js"], "text/javascript")


def test_the_api_docs_get_swagger_ui(production):
    base, _ = production
    status, _, page = fetch(f"{base}/v1/docs")
    assert status == 200
    links = static_links(page)
    (bundle,) = [link for link in links if re.search(r"/swagger-ui-bundle\.[0-9a-f]{12}\.js$", link)]
    assert_served(base, bundle, "text/javascript")
    (stylesheet,) = [link for link in links if re.search(r"/swagger-ui\.[0-9a-f]{12}\.css$", link)]
    assert_served(base, stylesheet, "text/css")
    assert all(fetch(base + link)[0] == 200 for link in links), links


def test_the_landing_page_gets_its_stylesheet(production):
    base, _ = production
    status, _, page = fetch(f"{base}/")
    assert status == 200
    (stylesheet,) = static_links(page)
    assert re.fullmatch(r"/static/eventsite/home\.[0-9a-f]{12}\.css", stylesheet)
    assert_served(base, stylesheet, "text/css")


def test_plain_http_is_redirected_except_the_health_check(production):
    base, _ = production
    status, headers, _ = fetch(f"{base}/admin/login/", https=False)
    assert status == 301 and headers["Location"].startswith("https://")
    status, _, body = fetch(f"{base}/healthz", https=False)
    assert (status, json.loads(body)) == (200, {"status": "ok", "database": "ok"})


def test_the_health_check_is_a_503_without_the_database_and_logs_no_error(tmp_path):
    env = production_env(tmp_path, f"sqlite:///{tmp_path / 'no-such-directory' / 'db.sqlite3'}")
    log = tmp_path / "gunicorn.log"
    with server.gunicorn(log=log, **env) as base:
        for _ in range(3):
            status, _, body = fetch(f"{base}/healthz", https=False)
            assert (status, json.loads(body)) == (503, {"status": "unavailable", "database": "unavailable"})
    output = log.read_text()
    assert output.count("health check: the database does not answer") >= 3, output  # and the start-up probe
    assert "Service Unavailable" not in output, output
