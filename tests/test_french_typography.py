"""French text a person reads uses the typographic apostrophe (’), never the straight one:
the console's and the survey page's French catalogues, the text their templates hold
themselves, and the survey's default French questions. English keeps its own; code, HTML
attributes and the catalogues' msgids are not French text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from shared.surveys import DEFAULTS

ROOT = Path(__file__).resolve().parents[1]
PAGES = (ROOT / "services" / "console", ROOT / "services" / "ingest" / "survey")
STRAIGHT = "'"


def french_messages(service: Path) -> list[str]:
    with (service / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalogue = read_po(po)
    translated = [m.string for m in catalogue if m.id]
    return [s for found in translated for s in (found if isinstance(found, tuple) else (found,))]


class _Text(HTMLParser):
    """The text nodes of an HTML document (not its tags, attributes or comments)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.texts.append(data.strip())


def own_text(template: Path) -> list[str]:
    """What a template writes itself, shown in every language: its text outside Jinja's
    tags, expressions and comments and outside the HTML's tags."""
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", " ", template.read_text(), flags=re.S)
    parser = _Text()
    parser.feed(source)
    return parser.texts


@pytest.mark.parametrize("service", PAGES, ids=lambda p: p.name)
def test_french_catalogues_use_the_typographic_apostrophe(service: Path) -> None:
    messages = french_messages(service)
    assert len(messages) > 10
    assert [m for m in messages if STRAIGHT in m] == []


@pytest.mark.parametrize("service", PAGES, ids=lambda p: p.name)
def test_templates_text_uses_the_typographic_apostrophe(service: Path) -> None:
    templates = sorted((service / "templates").rglob("*.html"))
    assert templates
    texts = {str(t.relative_to(service)): own_text(t) for t in templates}
    assert any(texts.values())  # the parser does find text
    assert {name: [t for t in found if STRAIGHT in t] for name, found in texts.items()} == {
        name: [] for name in texts
    }


def test_the_surveys_default_french_questions_use_the_typographic_apostrophe() -> None:
    wordings = [w.model_dump(exclude_none=True) for w in DEFAULTS["fr"].values()]
    texts = [text for wording in wordings for text in wording.values() if isinstance(text, str)]
    assert any("\u2019" in text for text in texts)
    assert [text for text in texts if STRAIGHT in text] == []


@pytest.mark.parametrize("service", PAGES, ids=lambda p: p.name)
def test_french_catalogues_keep_a_percent_sign_with_its_number(service: Path) -> None:
    """ "90 %" with an ordinary space may break between the number and its sign."""
    assert [m for m in french_messages(service) if re.search(r" %(?!\()", m)] == []
