"""The READMEs stay navigable and name only what exists: the main README's contents list every section, every link
between the READMEs lands on a heading, and every file or directory they name in code spans is there.

The READMEs are edited by many hands at once; these catch a renamed heading, a moved module or a section nobody
added to the contents. What the walk-through's requests are is test_walkthrough_client.py's business.
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
READMES = [ROOT / "README.md", ROOT / "bench" / "README.md", ROOT / "reliability" / "README.md"]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PATH = re.compile(r"[\w.-]+(/[\w.-]+)*/?")


def prose(path: Path) -> str:
    """The file without its fenced code blocks (whose ``# comments`` are not headings)."""
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def headings(path: Path, level: str = "#+") -> list[str]:
    return re.findall(rf"^{level} (.+)$", prose(path), re.M)


def anchors(path: Path) -> set[str]:
    return {slug(heading) for heading in headings(path)}


def test_slugs_are_githubs():
    assert slug("API (JSON:API, `/v1`)") == "api-jsonapi-v1"
    assert slug("Where we depart from stock DRF / DRF-JSONAPI") == "where-we-depart-from-stock-drf--drf-jsonapi"
    assert slug("Orders and how a code's limits are enforced") == "orders-and-how-a-codes-limits-are-enforced"


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_headings_are_unique(readme):
    found = [slug(heading) for heading in headings(readme)]
    assert sorted(found) == sorted(set(found)), "two headings with one anchor: links would reach only the first"


def test_the_contents_list_every_section_of_the_main_readme():
    readme = ROOT / "README.md"
    text = prose(readme)
    contents = text.split("\n## Contents\n", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"\]\(#([^)]+)\)", contents))
    sections = {slug(heading) for heading in headings(readme, "##")} - {"contents"}
    assert sections <= listed, f"add to the contents: {sorted(sections - listed)}"


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_link_lands(readme):
    broken = []
    for target in LINK.findall(prose(readme)):
        if re.match(r"[a-z]+:", target):  # http:, mailto: ...: not ours to check
            continue
        file, _, anchor = target.partition("#")
        linked = (readme.parent / file).resolve() if file else readme
        if not linked.exists():
            broken.append(f"{target}: no file {file}")
        elif anchor and (linked.suffix != ".md" or anchor not in anchors(linked)):
            broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_file_named_in_code_exists(readme):
    """A code span that is a path starting at one of the repository's (or the README's own folder's) entries must
    name something that exists: ``discounts/rules.py``, ``templates/mail/``; ``application/json`` is no path."""
    missing = []
    for span in CODE_SPAN.findall(prose(readme)):
        if not PATH.fullmatch(span) or "/" not in span:
            continue
        first = span.split("/", 1)[0]
        for base in (readme.parent, ROOT):
            if first not in (".", "..") and (base / first).exists() and first != ".venv":
                if not (base / span).exists():
                    missing.append(span)
                break
    assert not missing, f"named in {readme.relative_to(ROOT)} but missing: {sorted(set(missing))}"
