"""Which language the hosted page speaks, and the catalogues that say it."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.ingest.survey import pages
from services.ingest.survey.pages import accepted_languages, choose
from services.ingest.survey.ratelimit import WindowLimiter
from shared.pages import environment, french_spacing


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", ["fr-CH", "fr", "en", "de"]),
        ("en;q=0.2, fr", ["fr", "en"]),
        ("de, en;q=0", ["de"]),
        ("en;q=abc, fr", ["fr"]),
        ("", []),
        (None, []),
    ],
)
def test_accept_language_is_read_by_preference(header: str | None, expected: list[str]) -> None:
    assert accepted_languages(header) == expected


def test_the_first_preference_spoken_wins_then_the_default() -> None:
    assert choose(["de-DE", "en-GB", "fr"], ["fr", "en"], "fr") == "en"
    assert choose([None, "fr_FR"], ["fr", "en"], "en") == "fr"
    assert choose(["de", "it"], ["fr", "en"], "en") == "en"
    assert choose(["en"], ["fr"], "fr") == "fr"  # a survey declared in French only


def _catalogue(language: str) -> dict[str, str]:
    path = pages.HERE / "locale" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        return {message.id: message.string for message in read_po(po) if message.id}


def _template_strings() -> set[str]:
    method_map = [("**/templates/**.html", "jinja2")]
    options = {
        "**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}
    }
    found = extract_from_dir(Path(pages.HERE), method_map, options)
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


@pytest.mark.parametrize("language", pages.LANGUAGES)
def test_every_string_of_the_templates_is_translated(language: str) -> None:
    """A string added to a template and not to both catalogues fails here: run
    ``pybabel extract`` then ``pybabel update`` (docs/ingest.md) and translate it."""
    catalogue = _catalogue(language)
    missing = sorted(s for s in _template_strings() if not catalogue.get(s))
    assert missing == []
    assert not set(catalogue) - _template_strings(), "strings no template uses any more"


def test_french_differs_from_english() -> None:
    french = _catalogue("fr")
    same = [s for s, t in french.items() if s == t]
    assert same == []


def test_a_window_counts_each_key_and_then_forgets() -> None:
    now = [0.0]
    limiter = WindowLimiter(2, seconds=60, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b")
    assert limiter.retry_after() == 61
    now[0] = 60.0
    assert limiter.allow("a")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Souhaitez-vous nous en dire plus ?", "Souhaitez-vous nous en dire plus\u00a0?"),
        ("Vraiment  ! Note : « top »", "Vraiment\u00a0! Note\u00a0: «\u00a0top\u00a0»"),
        ("Déjà\u00a0?", "Déjà\u00a0?"),
        ("Pas d'espace?", "Pas d'espace?"),
        (None, None),
    ],
)
def test_french_marks_stay_on_the_line_of_their_word(
    text: str | None, expected: str | None
) -> None:
    assert french_spacing(text) == expected


def test_french_labels_are_typeset_and_english_ones_left_as_they_are() -> None:
    french, english = (
        environment(pages.TEMPLATES, pages.LOCALE, lang, {}) for lang in ["fr", "en"]
    )
    assert french.from_string("{{ 'Facile ?'|typeset }}").render() == "Facile\u00a0?"
    assert english.from_string("{{ 'Easy ?'|typeset }}").render() == "Easy ?"
