"""The apps depend on each other one way: ``eventsite`` (core) ← ``tickets`` ← ``discounts`` ← ``orders``.

``history`` is part of the core: every app records into it, and it imports none of the apps above the core (an
app routes the history of its own objects, e.g. ``discounts.views.CodeHistoryView``). Parses every production
module (the apps, without their tests and migrations, and ``manage.py``) and fails
on an import of an app further up the chain, wherever it stands (a function-local import too), and on production
code importing tests, the reliability suite (``reliability/``) or the benchmark (``bench/``).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"eventsite": 0, "history": 0, "tickets": 1, "discounts": 2, "orders": 3}
NEVER_IN_PRODUCTION = ("reliability", "bench", "conftest")


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


def test_the_scan_sees_every_app_and_resolves_relative_imports():
    names = {str(p.relative_to(ROOT)) for p in production_modules()}
    expected = {"eventsite/models.py", "history/views.py", "tickets/rules.py", "discounts/rules.py", "orders/rules.py"}
    assert expected <= names
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
    found = offences()
    assert found == [], "\n".join(f"{module}:{line}: {what}" for module, line, what in found)
