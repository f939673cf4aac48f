"""Fuzzing against our own OpenAPI document: schemathesis generates input for every operation in ``/v1/schema``
and sends it in-process to the WSGI app, logged in as an organizer, over a seeded dataset. No answer may be a 5xx
or contradict the schema (status code documented, content type and body conforming).

Examples per operation: ``RELIABILITY_FUZZ_EXAMPLES`` (CI 8; ``scripts/reliability.sh --long`` 150).
"""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from reliability import figures
from reliability.seed import build_world

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "8"))
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def load_schema():
    from eventsite.wsgi import application

    return schemathesis.openapi.from_wsgi("/v1/schema?format=json", application)


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: the WSGI handler must not close the connection that holds the test's
    transaction (``close_old_connections`` closes one that is not in autocommit)."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_every_operation_survives_generated_input(on_postgres, keep_the_test_connection):
    w = build_world()
    token = str(RefreshToken.for_user(w.organizer).access_token)
    schema = load_schema()
    failures: dict[str, str] = {}
    cases = 0
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        label = operation.label

        @given(case=operation.as_strategy(), data=st.data())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case, data):
            nonlocal cases
            cases += 1
            case.headers = {**(case.headers or {}), "Authorization": f"JWT {token}"}
            case.call_and_validate(checks=CHECKS)

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:
            failures[label] = str(error)[:1500]
    figures.record("fuzz_cases", cases)
    figures.record("fuzz_operations", operations)
    assert operations >= 30
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
