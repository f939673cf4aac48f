"""Production code touches no private name of the libraries it builds on, outside ``eventsite/seams/``.

A private name is an attribute starting with one underscore. It may be used when it is the project's own (a
function, class, method or attribute the project defines: ``self._plan``, ``rules._unique``) or on the short list
below of names Django documents as its API. Also caught: ``getattr``/``hasattr``/``setattr`` with such a name as
a string. What truly needs an internal goes into a seam module (one per library, each use explained and tested in
``test_seams.py``).
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("eventsite", "history", "discounts", "tickets", "orders")
SEAMS = ROOT / "eventsite" / "seams"

#: Underscored names that are documented, public API of Django.
ALLOWED = {
    "_meta": "Model._meta, the documented Model _meta API (docs: ref/models/meta)",
    "_default_manager": "Model._default_manager, documented (docs: topics/db/managers, 'Default managers')",
    "_base_manager": "Model._base_manager, documented (docs: topics/db/managers, 'Base managers')",
    "_db": "Manager._db, used by Django's documented custom user manager example (topics/auth/customizing)",
}


def production_modules() -> list[Path]:
    found = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.is_relative_to(SEAMS):
                continue
            found.append(path)
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def own_names(trees) -> set[str]:
    """Underscored names the project itself defines: functions, classes, class and module level assignments,
    ``self.x = ...`` / ``cls.x = ...``, ``__slots__`` entries, modules."""
    names = set()
    for path, tree in trees:
        if _private(path.stem):
            names.add(path.stem)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        names.add(target.id)
                    elif (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        names.add(target.attr)
                    if isinstance(target, ast.Name) and target.id == "__slots__":
                        names.update(e.value for e in ast.walk(node.value) if isinstance(e, ast.Constant))
    return {name for name in names if _private(name)}


def uses(tree) -> list[tuple[int, str, bool]]:
    """``(line, name, on self/cls/super())`` of every underscored attribute or getattr-style string."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            value = node.value
            on_self = (isinstance(value, ast.Name) and value.id in ("self", "cls")) or (
                isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "super"
            )
            found.append((node.lineno, node.attr, on_self))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr", "delattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            found.append((node.lineno, node.args[1].value, False))
    return found


def violations() -> list[str]:
    trees = [(path, ast.parse(path.read_text(), str(path))) for path in production_modules()]
    mine = own_names(trees)
    found = []
    for path, tree in trees:
        for line, name, on_self in uses(tree):
            if name in ALLOWED:
                continue
            # the project's own name: on self/cls/super(), or a module's function or class used elsewhere; never
            # an attribute the project hangs on someone else's object (``fields._plan = ...``)
            if name in mine and (on_self or not _assigned_on_other(tree, name)):
                continue
            found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    return found


def _assigned_on_other(tree, name: str) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == name
                    and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls"))
                ):
                    return True
    return False


def test_no_private_names_of_libraries_outside_the_seams():
    assert violations() == []


def test_the_check_catches_what_it_is_for(tmp_path):
    """The checker itself: a library's private attribute, on any object or through getattr, is found; the
    project's own and the allowed ones are not."""
    source = (
        "class A:\n"
        "    def _mine(self):\n"
        "        self._cache = 1\n"
        "        return self._cache, self._mine(), obj._meta, queryset._prefetch_related_lookups\n"
        "    def f(self, field):\n"
        "        fields._plan = 1\n"
        "        return field._kwargs, getattr(field, '_poly_force_type_resolution'), super()._get_page()\n"
        "    def g(self):\n"
        "        return fields._plan\n"
    )
    tree = ast.parse(source)
    mine = own_names([(tmp_path / "m.py", tree)])
    flagged = sorted(
        {
            name
            for _, name, on_self in uses(tree)
            if name not in ALLOWED and not (name in mine and (on_self or not _assigned_on_other(tree, name)))
        }
    )
    assert flagged == ["_get_page", "_kwargs", "_plan", "_poly_force_type_resolution", "_prefetch_related_lookups"]
