"""Every string of the console's templates (and of formats.py, the words of a duration) is
in both catalogues, translated in French."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

CONSOLE = Path(__file__).resolve().parents[2] / "services" / "console"
OPTIONS = {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}


def template_messages() -> list[Any]:
    """The messages of the templates and of the modules ``babel.cfg`` extracts."""
    found = extract_from_dir(
        CONSOLE,
        method_map=[("**/templates/**.html", "jinja2"), ("formats.py", "python")],
        options_map={"**/templates/**.html": OPTIONS},
    )
    return [message for _, _, message, _, _ in found]


def template_strings() -> set[str]:
    return {message for message in template_messages() if isinstance(message, str)}


def template_plurals() -> set[tuple[str, str]]:
    """The (singular, plural) of every ``ngettext`` call."""
    return {(m[0], m[1]) for m in template_messages() if isinstance(m, tuple)}


def catalogue(language: str) -> dict[Any, Any]:
    """Each message's id (a string, or singular and plural) and its translation(s)."""
    with (CONSOLE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def test_every_string_is_translated_in_french() -> None:
    strings, french = template_strings(), catalogue("fr")
    assert len(strings) > 100
    assert sorted(strings - set(french)) == []
    assert sorted(s for s in strings if not french[s]) == []


def test_the_english_catalogue_lists_the_same_strings() -> None:
    assert set(catalogue("en")) >= template_strings()


def test_every_plural_is_translated_in_french_in_each_form() -> None:
    plurals, french = template_plurals(), catalogue("fr")
    assert len(plurals) > 10
    assert sorted(plurals - set(french)) == []
    assert sorted(p for p in plurals if not all(french[p])) == []
    assert set(catalogue("en")) >= plurals
