"""Safe defaults (issue 12, attack 10): DEBUG is off unless asked for, and a process with DEBUG off and no secret of
its own refuses to start, so that no server ever signs sessions or tokens with the development key printed in the
source. Each case starts real processes with exactly the environment it names (the suite's own DEBUG=1 and test key
from pytest.ini are taken away)."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jwt
import pytest
from django.conf import settings

from eventsite import settings as project_settings

from .server import free_port

ROOT = Path(settings.BASE_DIR)
#: What a fresh machine's environment has none of.
PROJECT_VARIABLES = ("DEBUG", "SECRET_KEY", "JWT_SIGNING_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")
DEV_KEY = project_settings._DEV_SECRET_KEY
REAL_KEY = "a-real-production-secret-" + "k" * 40


def bare_env(**variables: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    return env | variables


def run(command: list[str], env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


SERVERS = {
    "manage.py check": [sys.executable, "manage.py", "check"],
    "runserver": [sys.executable, "manage.py", "runserver", "--noreload", "127.0.0.1:{port}"],
    "gunicorn": [sys.executable, "-m", "gunicorn", "eventsite.wsgi", "--workers", "1", "--bind", "127.0.0.1:{port}"],
}


@pytest.mark.parametrize("name", SERVERS)
def test_without_any_environment_the_server_refuses_to_start(name):
    command = [part.format(port=free_port()) for part in SERVERS[name]]
    result = run(command, bare_env(), timeout=60)
    assert result.returncode != 0, result.stdout + result.stderr
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off" in result.stderr
    assert "export SECRET_KEY=" in result.stderr and "DEBUG=1" in result.stderr  # it says what to set


@pytest.mark.parametrize("variable", ["SECRET_KEY", "JWT_SIGNING_KEY"])
def test_the_development_key_is_refused_with_debug_off(variable):
    env = bare_env(SECRET_KEY=REAL_KEY) | {variable: DEV_KEY}
    result = run(SERVERS["manage.py check"], env)
    assert result.returncode != 0
    assert f"{variable} is the development key from the source" in result.stderr


def settings_of(env: dict) -> dict:
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'eventsite.settings'; "
        "from django.conf import settings as s; "
        "print(json.dumps({'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY, 'JWT': s.SIMPLE_JWT['SIGNING_KEY'], "
        "'SSL': s.SECURE_SSL_REDIRECT, 'HOSTS': s.ALLOWED_HOSTS}))"
    )
    result = run([sys.executable, "-c", code], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_debug_is_off_unless_asked_for_and_the_development_key_needs_it_on():
    production = settings_of(bare_env(SECRET_KEY=REAL_KEY))
    assert production == {"DEBUG": False, "SECRET_KEY": REAL_KEY, "JWT": REAL_KEY, "SSL": True, "HOSTS": []}
    development = settings_of(bare_env(DEBUG="1"))
    assert development["DEBUG"] is True and development["SECRET_KEY"] == development["JWT"] == DEV_KEY
    assert settings_of(bare_env(DEBUG="0", SECRET_KEY=REAL_KEY))["DEBUG"] is False


def test_the_test_suite_runs_with_its_own_key_not_the_public_one():
    assert settings.SECRET_KEY != DEV_KEY
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != DEV_KEY


def test_a_token_signed_with_the_development_key_is_refused_by_a_server_with_a_real_key(tmp_path):
    """The attack on main: a server started without environment signed with the public key, so anyone could make
    a token for user 1. Now a production server (DEBUG off, a real key) has user 1 and refuses that token, while
    a token it issued itself is accepted."""
    env = bare_env(
        SECRET_KEY=REAL_KEY,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        DJANGO_SUPERUSER_PASSWORD="a-sturdy-passphrase-for-the-test",
        LOG_LEVEL="CRITICAL",
    )
    for command in (["migrate", "--noinput"], ["createsuperuser", "--noinput", "--email", "root@example.org"]):
        step = run([sys.executable, "manage.py", *command], env)
        assert step.returncode == 0, step.stderr
    issue = (
        "from rest_framework_simplejwt.tokens import AccessToken; from eventsite.models import User; "
        "print(AccessToken.for_user(User.objects.get(email='root@example.org')))"
    )
    issued = run([sys.executable, "manage.py", "shell", "-c", issue], env)
    assert issued.returncode == 0, issued.stderr
    genuine = issued.stdout.strip().splitlines()[-1]
    claims = jwt.decode(genuine, REAL_KEY, algorithms=["HS256"])
    assert claims["user_id"] == "1"
    forged = jwt.encode(claims, DEV_KEY, algorithm="HS256")  # what anyone could sign with the key in the source

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "eventsite.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert status_of(port, genuine) == 200
        assert status_of(port, forged) == 401
    finally:
        server.terminate()
        server.wait(timeout=20)


def status_of(port: int, token: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/orders", headers={"Authorization": f"JWT {token}"})
    deadline = time.monotonic() + 30
    while True:
        try:
            # A generous read timeout: the first request loads the whole project, which on a loaded machine took
            # more than 5 s. The test is about the answer, not its speed.
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
