"""The apps depend on each other one way: ``eventsite`` (core) ← ``tickets`` ← ``discounts`` ← ``orders``.

Parses every production module (the four apps, without their tests and migrations, and ``manage.py``) and fails
on an import of an app further up the chain, wherever it stands (a function-local import too), and on production
code importing tests, the reliability suite (``reliability/``) or the benchmark (``bench/``).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"eventsite": 0, "tickets": 1, "discounts": 2, "orders": 3}
NEVER_IN_PRODUCTION = ("reliability", "bench", "conftest")

# Imports against the direction that are still there, each with its reason; a test fails when one is gone, so
# the list only shrinks. (module, app it may not import): why it still does.
KNOWN = {
    ("eventsite/admin.py", "discounts"): "the event page's inline of its codes (EventDiscountCodeInline)",
    ("eventsite/admin.py", "tickets"): "the event page's inline of its tickets (EventTicketInline)",
    ("tickets/rules.py", "discounts"): "a ticket's code is set from the ticket side through the code rules",
    ("tickets/serializers.py", "discounts"): "the ticket resource's discount-code member (one way to set a "
    "ticket's code is being settled there)",
    ("tickets/views.py", "discounts"): "/v1/discount-codes/{id}/tickets and /v1/tickets/{id}/discount-code live "
    "with the ticket views",
}


def production_modules() -> list[Path]:
    modules = [path for path in [ROOT / "manage.py"] if path.exists()]
    for app in LAYERS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            modules.append(path)
    return modules


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names; relative imports resolved), with its line."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.append((node.lineno, name))
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def offences() -> list[tuple[str, int, str]]:
    """(module, line, what is wrong) for every import against the rules, once per import statement."""
    out = []
    for path in production_modules():
        module = str(path.relative_to(ROOT))
        own = path.relative_to(ROOT).parts[0]
        seen = set()
        for line, name in imported(path):
            top, *rest = name.split(".")
            if top in NEVER_IN_PRODUCTION or "tests" in rest:
                what = f"imports {name}, which is not production code"
            elif top in LAYERS and own in LAYERS and LAYERS[top] > LAYERS[own]:
                what = f"imports {name}: {own} may not depend on {top}"
            else:
                continue
            if line not in seen:
                seen.add(line)
                out.append((module, line, what))
    return out


def app_of(what: str) -> str:
    """The app an offence's import names (``imports orders.models: …`` → ``orders``)."""
    return what.split()[1].rstrip(":,").split(".")[0]


def test_the_scan_sees_every_app_and_resolves_relative_imports():
    names = {str(p.relative_to(ROOT)) for p in production_modules()}
    assert {"eventsite/models.py", "tickets/rules.py", "discounts/rules.py", "orders/rules.py"} <= names
    assert not any("/tests/" in n or "/migrations/" in n for n in names)
    assert "discounts.models" in [n for _, n in imported(ROOT / "discounts" / "rules.py")]  # from .models import
    assert "discounts.rules" in [n for _, n in imported(ROOT / "orders" / "rules.py")]  # from discounts import rules


def test_an_import_against_the_direction_or_of_tests_is_found(tmp_path, monkeypatch):
    fake = tmp_path / "tickets"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from orders.models import Order\n    from .tests import helpers\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert [what for _, _, what in offences()] == [
        "imports orders.models: tickets may not depend on orders",
        "imports tickets.tests, which is not production code",
    ]


def test_no_production_module_imports_against_the_direction_or_imports_tests():
    found = [o for o in offences() if (o[0], app_of(o[2])) not in KNOWN or "not production" in o[2]]
    assert found == [], "\n".join(f"{module}:{line}: {what}" for module, line, what in found)


@pytest.mark.parametrize(("module", "app"), sorted(KNOWN))
def test_each_known_exception_is_still_there(module, app):
    assert any(o[0] == module and app_of(o[2]) == app for o in offences()), (
        f"{module} no longer imports {app}: drop it"
    )
