"""Every string of the console's templates is in both catalogues, translated in French."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

CONSOLE = Path(__file__).resolve().parents[2] / "services" / "console"
OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}


def template_strings() -> set[str]:
    found = extract_from_dir(
        CONSOLE / "templates",
        method_map=[("**.html", "jinja2")],
        options_map={"**.html": OPTIONS},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def catalogue(language: str) -> dict[str, str]:
    with (CONSOLE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id and isinstance(m.id, str)}


def test_every_string_is_translated_in_french() -> None:
    strings, french = template_strings(), catalogue("fr")
    assert len(strings) > 100
    assert sorted(strings - set(french)) == []
    assert sorted(s for s in strings if not french[s]) == []


def test_the_english_catalogue_lists_the_same_strings() -> None:
    assert set(catalogue("en")) >= template_strings()
