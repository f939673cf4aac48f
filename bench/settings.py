"""Settings of the benchmark's server: production settings plus a query-count header and the limit view's URL.

Used only by ``bench/`` (``DJANGO_SETTINGS_MODULE=bench.settings``); the project never imports it. The database
is the benchmark's own (``BENCH_DATABASE_URL``, default ``eventsite_bench`` on the local PostgreSQL), which the
seed step drops and re-creates.
"""

import os

import dj_database_url

from eventsite.settings import *  # noqa: F403
from eventsite.settings import MIDDLEWARE

BENCH_DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/eventsite_bench")

DATABASES = {
    "default": dj_database_url.parse(
        BENCH_DATABASE_URL,
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

ROOT_URLCONF = "bench.urls"

# First, so that it counts every query of the request, authentication and sessions included.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
