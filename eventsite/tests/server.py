"""The service the production way, for the concurrency, fault, throttle and soak tests: gunicorn, 2 workers,
DEBUG off, on the test database (PostgreSQL), bound to 127.0.0.1 only."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextmanager
def gunicorn(workers: int = 2, threads: int = 4, extra_args: tuple[str, ...] = (), **env_overrides: str):
    """Yield the base URL of a fresh gunicorn; ``env_overrides`` go to its environment (e.g. ``REDIS_URL``),
    ``extra_args`` to its command line."""
    port = free_port()
    secret = settings.SECRET_KEY if len(settings.SECRET_KEY) >= 50 else settings.SECRET_KEY * 2
    env = os.environ | {
        "DATABASE_URL": database_url(),
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
    env |= env_overrides
    command = [sys.executable, "-m", "gunicorn", "eventsite.wsgi", "--workers", str(workers), "--threads"]
    command += [str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "critical", "--timeout", "30"]
    command += list(extra_args)
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/v1/events", timeout=2)
                break
            except OSError:  # refused, reset or timed out (URLError is one): a worker still booting
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.2)
        workers_seen = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers_seen) == workers, workers_seen
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
