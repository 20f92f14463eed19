"""The survey pages rendered once are the pages rendering them each time would give."""

from __future__ import annotations

import re
from typing import Any

import pytest
from markupsafe import escape

from services.ingest.survey.forms import FieldProblem
from services.ingest.survey.pages import LOCALE, TEMPLATES, Page, Renderer, number
from shared import pages
from shared.journey import JourneyMap
from shared.surveys import QuestionKind, QuestionWording, SurveyQuestion, resolve_survey

QUESTIONS = [
    SurveyQuestion(id="nps", kind=QuestionKind.NPS),
    SurveyQuestion(id="gap", kind=QuestionKind.EXPECTATION, required=False),
    SurveyQuestion(id="words", kind=QuestionKind.VERBATIM),
    SurveyQuestion(id="call", kind=QuestionKind.CALLBACK_CONSENT),
]
SURVEY = resolve_survey(QUESTIONS, ["fr", "en"])
PLAIN = pages.Renderer(TEMPLATES, LOCALE, filters={"number": number})


def form(token: str, **changes: Any) -> dict[str, Any]:
    blank = {"values": {}, "errors": {}, "notice": None, "questions": SURVEY.questions}
    blank["title"] = "Votre avis\u00a0: Livraison"
    return blank | {"action": f"/s/{token}", "form_token": f"1765000000.{token[::-1]}"} | changes


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_blank_form_rendered_once_is_filled_in_for_each_link(language: str) -> None:
    renderer = Renderer()
    for token in ("a" * 22, "B-_" * 8, "a" * 22):
        page = Page("survey.html", language, context=form(token))
        html = renderer.render(page)
        assert html == PLAIN.render(page)
        assert f'action="/s/{token}"' in html
        assert token[::-1] in html


def test_a_form_with_answers_or_errors_is_rendered_with_them() -> None:
    renderer = Renderer()
    renderer.render(Page("survey.html", "fr", context=form("a" * 22)))
    kept = form(
        "a" * 22,
        values={"words": "Très bien"},
        errors={"nps": FieldProblem("required", {"low": 0, "high": 10})},
    )
    page = Page("survey.html", "fr", 422, kept)
    html = renderer.render(page)
    assert html == PLAIN.render(page)
    assert "Très bien" in html
    assert 'id="nps-error"' in html


def test_a_changed_survey_is_never_shown_from_the_older_one() -> None:
    renderer = Renderer()
    renderer.render(Page("survey.html", "en", context=form("a" * 22)))
    wording = {
        "fr": QuestionWording(label="Vraiment ?"),
        "en": QuestionWording(label="How likely, really?"),
    }
    nps = SurveyQuestion(id="nps", kind=QuestionKind.NPS, wording=wording)
    reworded = resolve_survey([nps, *QUESTIONS[1:]], ["fr", "en"])
    page = Page("survey.html", "en", context=form("a" * 22, questions=reworded.questions))
    assert "How likely, really?" in renderer.render(page)
    retitled = Page("survey.html", "en", context=form("a" * 22, title="Your parcel"))
    assert "<h1>Your parcel</h1>" in renderer.render(retitled)


def test_the_form_says_what_the_survey_is_about() -> None:
    """Its heading and the browser tab's title name it; a survey without a title (from a
    version that had none) keeps the general heading."""
    renderer = Renderer("Transports du Val")
    html = renderer.render(Page("survey.html", "fr", context=form("a" * 22)))
    assert "<h1>Votre avis\u00a0: Livraison</h1>" in html
    assert "<title>Votre avis\u00a0: Livraison · " in html
    untitled = renderer.render(Page("survey.html", "fr", context=form("a" * 22, title=None)))
    assert "<h1>Votre avis compte pour nous</h1>" in untitled


@pytest.mark.parametrize("template", ["thanks.html", "unknown.html", "expired.html"])
def test_pages_without_values_are_the_same_in_each_language(template: str) -> None:
    renderer = Renderer()
    for language in ("fr", "en", "fr"):
        page = Page(template, language, 200)
        assert renderer.render(page) == PLAIN.render(page)


@pytest.mark.parametrize("values", [{}, {"words": "\u05e9\u05dc\u05d5\u05dd"}])
def test_the_message_box_follows_the_direction_of_its_text(values: dict[str, str]) -> None:
    """Arabic or Hebrew, typed or kept, reads from the right; French from the left."""
    html = Renderer().render(Page("survey.html", "fr", 422, form("a" * 22, values=values)))
    assert re.search(r'<textarea id="words"[^>]* dir="auto"', html)


@pytest.mark.parametrize(("language", "optional"), [("fr", "facultatif"), ("en", "optional")])
def test_an_optional_question_says_so_once(language: str, optional: str) -> None:
    html = PLAIN.render(Page("survey.html", language, context=form("a" * 22)))
    said = html.lower().count(optional)
    assert said == sum(not q.required for q in SURVEY.questions) == 3


def test_the_english_hint_of_the_message_reads_as_english_does() -> None:
    html = PLAIN.render(Page("survey.html", "en", context=form("a" * 22)))
    assert escape("Please don't include card numbers or passwords.") in html


@pytest.mark.parametrize(
    ("language", "most", "now"), [("fr", "5\u202f000", "5\u202f105"), ("en", "5,000", "5,105")]
)
def test_a_message_too_long_gives_its_figures_as_the_language_writes_them(
    language: str, most: str, now: str
) -> None:
    errors = {"words": FieldProblem("too_long", {"most": 5000, "now": 5105})}
    html = Renderer().render(Page("survey.html", language, 422, form("a" * 22, errors=errors)))
    message = re.search(r'<p class="error" id="words-error">(.*?)</p>', html, re.S)
    assert message is not None
    assert most in message.group(1)
    assert now in message.group(1)


def test_the_pages_name_who_asks_when_it_is_set() -> None:
    """A customer who follows a link sees whose survey it is: in the banner, the title and
    the lead; with no name set, the pages name no one."""
    named = Renderer("Maison Dupont & Fils")
    html = named.render(Page("survey.html", "fr", context=form("a" * 22)))
    assert '<strong class="who">Maison Dupont &amp; Fils</strong>' in html
    assert "· Maison Dupont &amp; Fils</title>" in html
    assert "Maison Dupont &amp; Fils aimerait vous poser quelques questions\u00a0: environ" in html
    thanks = named.render(Page("thanks.html", "en"))
    assert '<strong class="who">Maison Dupont &amp; Fils</strong>' in thanks

    anonymous = Renderer().render(Page("survey.html", "en", context=form("a" * 22)))
    assert 'class="who"' not in anonymous
    assert "A few questions, about a minute of your time." in anonymous


def test_the_map_names_who_asks_before_the_setting() -> None:
    """A survey whose journey map names the organisation shows that name, its blank form
    and its notices kept apart from those of a map that names another, or none."""
    renderer = Renderer("Set by the operator")
    for token, who in (("a" * 22, "Northwind Mobile"), ("b" * 22, "Maison Dupont")):
        page = Page("survey.html", "en", context=form(token, organisation=who))
        html = renderer.render(page)
        assert html == PLAIN.render(page)
        assert f'<strong class="who">{who}</strong>' in html
        assert f"{who} would like to ask you a few questions" in html
        thanks = renderer.render(Page("thanks.html", "en", context={"organisation": who}))
        assert f'<strong class="who">{who}</strong>' in thanks
    unnamed = renderer.render(Page("survey.html", "en", context=form("c" * 22)))
    assert '<strong class="who">Set by the operator</strong>' in unnamed
    assert "Set by the operator" in renderer.render(Page("thanks.html", "en"))


def test_a_resolved_survey_carries_the_map_s_organisation() -> None:
    journey = JourneyMap.model_validate(
        {
            "name": "Northwind Mobile UK",
            "organisation": "Northwind Mobile",
            "languages": ["en"],
            "default_language": "en",
            "departments": [{"id": "billing", "name": "Billing"}],
            "touchpoints": [
                {
                    "id": "first-bill",
                    "name": "First bill",
                    "channels": ["email"],
                    "owner": "billing",
                    "survey": {"questions": [{"id": "csat", "kind": "csat"}]},
                }
            ],
        }
    )
    survey = journey.survey("first-bill")
    assert survey is not None
    assert survey.organisation == "Northwind Mobile"
    assert journey.model_copy(update={"organisation": None}).survey("first-bill") is not None
