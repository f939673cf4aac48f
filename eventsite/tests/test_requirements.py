"""Two requirements files, each holding exactly what its users need.

``requirements.txt`` is what production runs (``scripts/run.sh`` installs it alone); ``requirements-dev.txt`` starts
with it and adds the tests', lint's, the reliability suite's and the benchmark's tools. Read from the code itself
(every ``import``, including those inside functions, and the dotted paths Django loads from the settings):

- production code (eventsite/, discounts/, tickets/, orders/ and manage.py, without their tests) imports only
  packages requirements.txt lists: one listed only for the developers would be a ModuleNotFoundError in production;
- every other module imports only listed packages (none that merely happens to come along with another);
- neither file lists a package nothing imports or runs, except those in ``RUN_NOT_IMPORTED``, each with its reason
  and a line that shows it is still true.
"""

import ast
import functools
import importlib.metadata
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRODUCTION = ROOT / "requirements.txt"
DEV = ROOT / "requirements-dev.txt"
PRODUCTION_PACKAGES = ("eventsite", "discounts", "tickets", "orders")
#: Modules whose strings Django imports by dotted path (INSTALLED_APPS, MIDDLEWARE, backends ...).
SETTINGS_MODULES = {"eventsite/settings.py": "production", "bench/settings.py": "dev"}
SKIPPED = {"node_modules", "staticfiles", "__pycache__"}  # and hidden ones (.venv, .git)


@dataclass(frozen=True)
class Ran:
    """A package that is run or loaded by others, never imported by a module of ours."""

    file: str  # requirements.txt or requirements-dev.txt
    why: str
    shown_by: tuple[str, str]  # (file, a line in it that shows the reason still holds)


RUN_NOT_IMPORTED = {
    "gunicorn": Ran(
        "requirements.txt",
        "the production WSGI server, started as a command (README, Production; the tests start it the same way)",
        ("eventsite/tests/server.py", '"gunicorn", "eventsite.wsgi"'),
    ),
    "psycopg2-binary": Ran(
        "requirements.txt",
        "Django's PostgreSQL backend imports psycopg2 when DATABASE_URL is postgres://...",
        ("eventsite/settings.py", "dj_database_url.config("),
    ),
    "redis": Ran(
        "requirements.txt",
        "Django's Redis cache backend imports it when REDIS_URL is set (the throttles' shared counts)",
        ("eventsite/settings.py", "django.core.cache.backends.redis.RedisCache"),
    ),
    "ruff": Ran(
        "requirements-dev.txt",
        "lint and format, run as a command by CI",
        (".ci/run", ".venv/bin/ruff check ."),
    ),
    "pytest-django": Ran(
        "requirements-dev.txt",
        "a pytest plugin, loaded by its entry point: the settings module, the database fixtures and markers",
        ("pytest.ini", "DJANGO_SETTINGS_MODULE"),
    ),
    "pytest-env": Ran(
        "requirements-dev.txt",
        "a pytest plugin, loaded by its entry point: DEBUG and a test SECRET_KEY before the settings load",
        ("pytest.ini", "env ="),
    ),
}


def normalized(name: str) -> str:
    """A distribution's name as PyPI compares them (PEP 503): ``factory_boy`` is ``factory-boy``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def listed(path: Path) -> dict[str, str]:
    """The packages a requirements file names itself (not through ``-r``), by normalized name: their lines."""
    packages = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            packages[normalized(re.match(r"[A-Za-z0-9._-]+", line).group())] = line
    return packages


@functools.cache
def installed() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()


def distributions_of(module: str) -> set[str]:
    return {normalized(name) for name in installed().get(module, ())}


def is_third_party(module: str) -> bool:
    local = (ROOT / module).is_dir() or (ROOT / f"{module}.py").is_file()
    return not local and module not in sys.stdlib_module_names and module != "__future__"


def imported_modules(source: str) -> set[str]:
    """Top-level names of every absolute import in ``source``, wherever it stands (functions and blocks too)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module.split(".")[0])
    return {module for module in found if is_third_party(module)}


def dotted_path_modules(source: str) -> set[str]:
    """Top-level names of the strings in a settings module that are dotted paths Django imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
        if is_text and re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", node.value):
            found.add(node.value.split(".")[0])
    return {module for module in found if is_third_party(module) and distributions_of(module)}


def python_files() -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED and not name.startswith(".")]
        found += [Path(directory, name) for name in files if name.endswith(".py")]
    return sorted(found)


def is_production(relative: Path) -> bool:
    parts = relative.parts
    return relative == Path("manage.py") or (parts[0] in PRODUCTION_PACKAGES and "tests" not in parts[:-1])


@functools.cache
def uses() -> dict[str, dict[str, set[str]]]:
    """{"production" | "dev": {module: the files that import it or name it by dotted path}}."""
    found: dict[str, dict[str, set[str]]] = {"production": {}, "dev": {}}
    for path in python_files():
        relative = path.relative_to(ROOT)
        side = "production" if is_production(relative) else "dev"
        source = path.read_text(encoding="utf-8")
        modules = imported_modules(source)
        if relative.as_posix() in SETTINGS_MODULES:
            modules |= dotted_path_modules(source)
        for module in modules:
            found[side].setdefault(module, set()).add(relative.as_posix())
    return found


def unlisted_imports(modules: dict[str, set[str]], allowed: set[str], allowed_file: str) -> list[str]:
    """A line for each module that no distribution in ``allowed`` provides."""
    problems = []
    for module, files in sorted(modules.items()):
        provided_by = distributions_of(module)
        if not provided_by:
            problems.append(f"{', '.join(sorted(files))} import {module}, which no installed package provides")
        elif not provided_by & allowed:
            elsewhere = " (it is in requirements-dev.txt only)" if provided_by & set(listed(DEV)) else ""
            problems.append(
                f"{', '.join(sorted(files))} import {module} ({', '.join(sorted(provided_by))}), "
                f"which {allowed_file} does not list{elsewhere}"
            )
    return problems


def unused_packages(packages: set[str], modules: set[str], file: str) -> list[str]:
    problems = []
    for package in sorted(packages):
        used = any(package in distributions_of(module) for module in modules)
        if not used and not (package in RUN_NOT_IMPORTED and RUN_NOT_IMPORTED[package].file == file):
            problems.append(f"{file} lists {package}, which nothing imports: remove it or say why in RUN_NOT_IMPORTED")
    return problems


def test_the_dev_file_installs_production_first_and_repeats_none_of_it():
    lines = [line for line in DEV.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    assert lines[0] == "-r requirements.txt"
    assert not set(listed(PRODUCTION)) & set(listed(DEV))
    for line in [*listed(PRODUCTION).values(), *listed(DEV).values()]:
        assert re.fullmatch(r"[A-Za-z0-9._-]+==[\w.]+", line), f"{line!r}: pin one version, name==version"


def test_production_code_imports_only_what_requirements_txt_lists():
    problems = unlisted_imports(uses()["production"], set(listed(PRODUCTION)), "requirements.txt")
    assert not problems, "\n".join(problems)


def test_tests_benchmark_and_reliability_import_only_listed_packages():
    everything = set(listed(PRODUCTION)) | set(listed(DEV))
    problems = unlisted_imports(uses()["dev"], everything, "requirements.txt or requirements-dev.txt")
    assert not problems, "\n".join(problems)


def test_every_listed_package_is_imported_or_run_by_its_side():
    found = uses()
    problems = [
        *unused_packages(set(listed(PRODUCTION)), set(found["production"]), "requirements.txt"),
        *unused_packages(set(listed(DEV)), set(found["dev"]), "requirements-dev.txt"),
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", sorted(RUN_NOT_IMPORTED))
def test_each_package_run_rather_than_imported_is_listed_and_its_reason_holds(package):
    ran = RUN_NOT_IMPORTED[package]
    assert package in listed(ROOT / ran.file), f"{package} is no longer in {ran.file}: drop it from RUN_NOT_IMPORTED"
    file, line = ran.shown_by
    assert line in (ROOT / file).read_text(encoding="utf-8"), f"{file} no longer shows why {package} is needed"


def test_the_checks_catch_a_developer_tool_imported_by_production(tmp_path):
    """The checks above can fail: a function-local import of a package only the developers install is found and
    named, and a listed package that nothing imports is reported."""
    source = "import django\n\ndef render():\n    from selenium.webdriver import Chrome\n    import httpx.client\n"
    modules = {module: {"eventsite/example.py"} for module in imported_modules(source)}
    assert set(modules) == {"django", "selenium", "httpx"}
    problems = unlisted_imports(modules, set(listed(PRODUCTION)), "requirements.txt")
    assert problems == [
        "eventsite/example.py import httpx (httpx), which requirements.txt does not list "
        "(it is in requirements-dev.txt only)",
        "eventsite/example.py import selenium (selenium), which requirements.txt does not list "
        "(it is in requirements-dev.txt only)",
    ]
    assert unused_packages({"django", "orjson", "gunicorn"}, {"django"}, "requirements.txt") == [
        "requirements.txt lists orjson, which nothing imports: remove it or say why in RUN_NOT_IMPORTED"
    ]
    assert is_production(Path("discounts/rules.py")) and is_production(Path("manage.py"))
    assert not is_production(Path("discounts/tests/test_rules.py")) and not is_production(Path("bench/run.py"))
