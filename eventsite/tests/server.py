"""The service as real processes on 127.0.0.1, for the tests that need them: gunicorn the production way (2 workers,
DEBUG off) and ``runserver`` the way ``scripts/run.sh`` starts it, on the test database (PostgreSQL) or on a SQLite
file of their own (``sqlite_database``). Every process gets DEBUG and SECRET_KEY explicitly, never the defaults."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a process of the service: production settings on the test database, throttles lifted,
    quiet logs; tokens signed by the tests (``RefreshToken.for_user``) are valid there. ``overrides`` win."""
    secret = settings.SECRET_KEY if len(settings.SECRET_KEY) >= 50 else settings.SECRET_KEY * 2
    env = os.environ | {
        "DEBUG": "0",
        "SECRET_KEY": secret,
        "JWT_SIGNING_KEY": settings.SIMPLE_JWT["SIGNING_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DISCOUNT_CODE_LOOKUP_RATE": "1000000/minute",
        "AUTH_RATE": "1000000/minute",
        "SIGNUP_RATE": "1000000/minute",
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)
    if "DATABASE_URL" not in overrides:
        env["DATABASE_URL"] = database_url()
    return env | overrides


def manage(*args: str, **env: str) -> str:
    """Run ``manage.py`` in its own process with ``server_env(**env)``; its standard output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=server_env(**env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def sqlite_database(directory: Path, template: Path | None = None) -> str:
    """A fresh SQLite file in ``directory`` with every migration applied (a copy of ``template``, a file migrated
    before, if given: the conftest fixture ``migrated_sqlite`` makes one per run); its ``DATABASE_URL``."""
    path = directory / "db.sqlite3"
    url = f"sqlite:///{path}"
    if template is None:
        manage("migrate", "--noinput", DATABASE_URL=url)
    else:
        shutil.copyfile(template, path)
    return url


@contextmanager
def _serving(command: list[str], env: dict[str, str], base: str, log: Path | None):
    out = open(log, "w") if log else None  # noqa: SIM115 (closed below); None: the test run's own output
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=5)
                break
            except urllib.error.HTTPError:
                break  # it answers (a 503 while its database is away is an answer)
            except OSError:  # not listening yet, or not answering yet
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command[2]} did not start") from None
                time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log:
            out.close()


@contextmanager
def gunicorn(
    workers: int = 2,
    threads: int = 4,
    log: Path | None = None,
    extra_args: tuple[str, ...] = (),
    **env_overrides: str,
):
    """Yield the base URL of a fresh gunicorn; ``env_overrides`` go to its environment (e.g. ``REDIS_URL``),
    ``extra_args`` to its command line, and its output to ``log`` if given."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "eventsite.wsgi", "--workers", str(workers), "--threads"]
    command += [str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "critical", "--timeout", "30"]
    command += list(extra_args)
    base = f"http://127.0.0.1:{port}"
    with _serving(command, server_env(**env_overrides), base, log) as process:
        workers_seen = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers_seen) == workers, workers_seen
        yield base


@contextmanager
def runserver(log: Path | None = None, **env_overrides: str):
    """Yield the base URL of ``manage.py runserver`` as ``scripts/run.sh`` starts it (DEBUG on, threaded)."""
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    with _serving(command, server_env(**({"DEBUG": "1"} | env_overrides)), f"http://127.0.0.1:{port}", log):
        yield f"http://127.0.0.1:{port}"
