"""Fuzzing against our own OpenAPI document that reaches success: schemathesis generates input for every operation
in ``/v1/schema`` and sends it in-process to the WSGI app, logged in as the event's organizer, over a seeded
dataset (``reliability/seed.py``). No answer may be a 5xx or contradict the schema (status code documented,
content type and body conforming), and every operation must answer a 2xx at least once.

What makes success reachable (``reliability/fuzz_examples.py``): path parameters are the seeded objects' (for
part of the generated cases; the others keep generated ones), each operation first sends its example (a request
built from the world that must succeed), and generated bodies are also grafted onto that example one member at a
time, so that generated values reach the rules instead of stopping at a missing member. Every request runs in a
savepoint that is rolled back (a delete or a rename does not starve the next one) with empty caches (no throttle
carried over).

Examples per operation: ``RELIABILITY_FUZZ_EXAMPLES`` (CI 8; ``scripts/reliability.sh --long`` 150). The table of
operations (example's status, generated 2xx) is printed on every run.
"""

import copy
import os
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import caches
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import checks
from schemathesis.specs.openapi import checks as openapi_checks

from reliability import figures
from reliability.fuzz_examples import EXAMPLES, PARAMETERS, RESOURCE_IDS, Example
from reliability.seed import build_world

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = int(os.environ.get("RELIABILITY_FUZZ_EXAMPLES", "8"))
CHECKS = [
    checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
HERE = "reliability/fuzz_examples.py"
JSONAPI = "application/vnd.api+json"


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


@contextmanager
def fresh_world():
    """Each request sees the seeded world as built: a savepoint rolled back afterwards, and no cached counters."""
    with transaction.atomic():
        for cache in caches.all():
            cache.clear()
        yield
        transaction.set_rollback(True)


class MissingParameter(Exception):
    pass


def path_parameters(label: str, world, example: Example) -> dict:
    path = label.split(" ", 1)[1]
    segment = path.split("/")[2]
    values = {}
    for name in re.findall(r"{(\w+)}", path):
        build = RESOURCE_IDS.get(segment) if name == "id" else PARAMETERS.get(name)
        if build is None:
            where = f"RESOURCE_IDS[{segment!r}]" if name == "id" else f"PARAMETERS[{name!r}]"
            raise MissingParameter(f"no seeded value for {{{name}}}: add {where} in {HERE}")
        values[name] = build(world)
    if example.path is not None:
        values |= example.path(world)
    return values


def graft(example_body, generated_body, draw):
    """The example's body with one member of the generated body put in (a JSON:API attribute or relationship,
    or a plain JSON member), or None when the generated body has no member to give."""
    if not isinstance(example_body, dict) or not isinstance(generated_body, dict):
        return None
    body = copy.deepcopy(example_body)
    data = generated_body.get("data")
    if isinstance(body.get("data"), dict) and isinstance(data, dict):
        members = [
            (part, name)
            for part in ("attributes", "relationships")
            if isinstance(data.get(part), dict)
            for name in sorted(data[part])
        ]
        if not members:
            return None
        part, name = draw(st.sampled_from(members), label="grafted member")
        body["data"].setdefault(part, {})[name] = data[part][name]
        return body
    if "data" not in body and generated_body:
        name = draw(st.sampled_from(sorted(generated_body)), label="grafted member")
        body[name] = generated_body[name]
        return body
    return None


@dataclass
class Outcome:
    """What one operation answered: its example's status, the generated cases' statuses, the first failure."""

    example: int | str = "-"
    generated: Counter = field(default_factory=Counter)
    cases: int = 0
    failure: str | None = None

    @property
    def reached(self) -> bool:
        statuses = [*self.generated, self.example]
        return any(isinstance(status, int) and 200 <= status < 300 for status in statuses)


def fuzz(operation, world, token: str | None) -> Outcome:
    """The operation's example, then generated cases (some with the seeded path parameters, some with their body
    grafted onto the example's), each in a fresh world, each checked against the schema."""
    outcome = Outcome()
    label = operation.label
    example = EXAMPLES.get(label, Example())
    headers = {"Authorization": f"JWT {token}"} if token else {}
    try:
        seeded = path_parameters(label, world, example)
    except MissingParameter as missing:
        outcome.example, outcome.failure = "no path", str(missing)
        return outcome

    body = example.body(world) if example.body is not None else None
    explicit = {}
    if body is not None:
        # JSON:API unless the schema names another (a DELETE's linkage body is not in the schema)
        media_types = operation.get_request_payload_content_types() or [JSONAPI]
        explicit |= {"body": body, "media_type": media_types[0]}
    if example.query is not None:
        explicit["query"] = example.query(world)
    try:
        case = operation.Case(path_parameters=seeded, headers=dict(headers), **explicit)
        with fresh_world():
            outcome.cases += 1
            response = case.call()
            outcome.example = response.status_code
            case.validate_response(response, checks=CHECKS)
    except (Exception, BaseExceptionGroup) as error:
        outcome.failure = f"its example: {str(error)[:1500]}"

    strategy = operation.as_strategy()
    if seeded:
        strategy = st.one_of(operation.as_strategy(path_parameters=seeded), strategy)

    @given(case=strategy, data=st.data())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case, data):
        outcome.cases += 1
        if body is not None and data.draw(st.booleans(), label="graft onto the example"):
            grafted = graft(body, case.body, data.draw)
            if grafted is not None:
                case.body = grafted
                case.path_parameters = dict(seeded)
        case.headers = {**(case.headers or {}), **headers}
        with fresh_world():
            response = case.call()
            outcome.generated[response.status_code] += 1
            case.validate_response(response, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as error:
        outcome.failure = outcome.failure or str(error)[:1500]
    return outcome


def table(outcomes: dict[str, Outcome]) -> str:
    width = max(map(len, outcomes))
    rows = [f"{'operation':<{width}}  example  generated 2xx"]
    for label, outcome in outcomes.items():
        got = outcome.generated
        two = sum(n for status, n in got.items() if 200 <= status < 300)
        mark = "" if outcome.reached else "  <- no 2xx"
        rows.append(f"{label:<{width}}  {outcome.example!s:>7}  {two:>3}/{sum(got.values())}{mark}")
    return "\n".join(rows)


def test_every_operation_survives_generated_input_and_reaches_success(on_postgres, keep_the_test_connection, capsys):
    world = build_world()
    tokens: dict[str, str | None] = {}
    outcomes: dict[str, Outcome] = {}
    for result in load_schema().get_all_operations():
        operation = result.ok()
        role = EXAMPLES.get(operation.label, Example()).user
        if role not in tokens:
            tokens[role] = world.access_token(role)
        outcomes[operation.label] = fuzz(operation, world, tokens[role])

    with capsys.disabled():
        print("\n== fuzzing: did each operation reach a 2xx?\n" + table(outcomes))
    unreached = [label for label, outcome in outcomes.items() if not outcome.reached]
    figures.record("fuzz_cases", sum(outcome.cases for outcome in outcomes.values()))
    figures.record("fuzz_operations", len(outcomes))
    figures.record("fuzz_operations_2xx", len(outcomes) - len(unreached))
    assert len(outcomes) >= 30

    problems = []
    stale = sorted(set(EXAMPLES) - set(outcomes))
    if stale:
        problems.append(f"{HERE} has examples for operations the schema does not have (remove them): {stale}")
    problems += [f"{label}:\n{outcome.failure}" for label, outcome in outcomes.items() if outcome.failure]
    for label in unreached:
        outcome = outcomes[label]
        if outcome.example == "no path":
            continue  # said above: a path parameter without a seeded value
        if label in EXAMPLES:
            hint = f"its example answered {outcome.example}: fix EXAMPLES[{label!r}] or the endpoint"
        else:
            hint = f"add EXAMPLES[{label!r}] = Example(body=..., user=...) in {HERE}"
        problems.append(f"{label}: no 2xx (example {outcome.example}, generated {dict(outcome.generated)}); {hint}")
    assert not problems, "\n\n".join(problems)
