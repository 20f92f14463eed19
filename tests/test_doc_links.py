"""Every relative link of the README and of docs/ leads somewhere: the file exists and, when
the link names a heading (``page.md#anchor``), the page has that heading, its anchor made
as GitHub makes it. A page moved or a heading renamed cannot leave a dead link behind."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "deploy" / "README.md"]
# [text](target), not an image; the target up to a space or the closing parenthesis
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"#{1,6}\s+(.*)")
SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:")


def prose(text: str) -> list[tuple[int, str]]:
    """The numbered lines of ``text`` outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            lines.append((number, line))
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """The anchors of a page's headings; a repeated heading's get -1, -2, … as on GitHub."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in prose(text):
        if match := HEADING.match(line):
            anchor = slug(match.group(1))
            repeats = seen.get(anchor, 0)
            seen[anchor] = repeats + 1
            found.add(f"{anchor}-{repeats}" if repeats else anchor)
    return found


def dead_links(page: Path) -> list[str]:
    dead = []
    for number, line in prose(page.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if SCHEME.match(target):
                continue  # a URL: not checked here
            path, _, anchor = target.partition("#")
            destination = (page.parent / path).resolve() if path else page
            if not destination.exists():
                dead.append(f"{page.name}:{number}: {target} (no such file)")
            elif (
                anchor
                and destination.suffix == ".md"
                and anchor not in anchors(destination.read_text(encoding="utf-8"))
            ):
                dead.append(f"{page.name}:{number}: {target} (no such heading)")
    return dead


def test_anchors_are_made_as_github_makes_them() -> None:
    text = "# Scoring's CPU per event\n## Ingest batches\n"
    text += "```\n# not a heading\n```\n## Ingest batches\n"
    assert anchors(text) == {"scorings-cpu-per-event", "ingest-batches", "ingest-batches-1"}


def test_a_dead_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# There\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md#there) [web](https://example.org/x) ![img](gone.png)\n"
        "[file](missing.md) [heading](other.md#elsewhere) [here](#nowhere)\n"
        "```\n[in code](missing.md)\n```\n",
        encoding="utf-8",
    )
    assert dead_links(page) == [
        "page.md:2: missing.md (no such file)",
        "page.md:2: other.md#elsewhere (no such heading)",
        "page.md:2: #nowhere (no such heading)",
    ]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_leads_somewhere(page: Path) -> None:
    assert page.exists()
    assert not dead_links(page)
