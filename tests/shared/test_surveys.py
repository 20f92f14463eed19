"""Survey definitions: defaults fill every language, overrides must cover the map's
languages, and the map names each mistake's path."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.journey import JourneyMap
from shared.surveys import (
    DEFAULTS,
    LANGUAGES,
    QuestionKind,
    ResolvedSurvey,
    SurveyDefinitionError,
    SurveyQuestion,
    resolve_survey,
)


def question(kind: str, **fields: Any) -> SurveyQuestion:
    return SurveyQuestion.model_validate({"id": fields.pop("id", kind), "kind": kind, **fields})


def test_every_kind_has_a_default_wording_in_every_language() -> None:
    for language in LANGUAGES:
        assert set(DEFAULTS[language]) == set(QuestionKind)


def test_scales_show_their_meaning_and_direction() -> None:
    survey = resolve_survey([question("nps"), question("ces"), question("csat")], ["fr", "en"])
    nps, ces, csat = survey.questions
    assert nps.scale == (0, 10)
    assert (nps.wording["fr"].low_label, nps.wording["fr"].high_label) == (
        "pas du tout probable",
        "très probable",
    )
    assert nps.wording["en"].low_label == "not at all likely"
    assert ces.scale == (1, 7)
    assert (ces.wording["fr"].low_label, ces.wording["fr"].high_label) == (
        "très difficile",
        "très facile",
    )
    assert csat.scale == (1, 5)
    assert csat.wording["fr"].low_label == "pas du tout satisfait"


def test_expectation_asks_expected_then_perceived() -> None:
    (expectation,) = resolve_survey([question("expectation")], ["en"]).questions
    assert expectation.scale == (1, 5)
    assert expectation.wording["en"].expected_label == "The experience you expected"
    assert expectation.wording["en"].perceived_label == "The experience you had"


def test_required_defaults_by_kind() -> None:
    assert question("nps").required
    assert question("expectation").required
    assert not question("verbatim").required
    assert not question("callback_consent").required
    assert question("verbatim", required=True).required


def test_an_override_replaces_only_the_texts_it_gives() -> None:
    nps = question("nps", wording={"fr": {"label": "Nous recommanderiez-vous ?"}})
    (resolved,) = resolve_survey([nps], ["fr"]).questions
    assert resolved.wording["fr"].label == "Nous recommanderiez-vous ?"
    assert resolved.wording["fr"].low_label == "pas du tout probable"
    assert set(resolved.wording) == {"fr"}


def test_an_override_must_cover_every_declared_language() -> None:
    nps = question("nps", wording={"fr": {"label": "Nous recommanderiez-vous ?"}})
    with pytest.raises(SurveyDefinitionError) as raised:
        resolve_survey([nps], ["fr", "en"])
    assert raised.value.errors == [((0, "wording", "en"), "missing the 'en' translation")]


def test_duplicates_and_empty_surveys_are_refused() -> None:
    with pytest.raises(SurveyDefinitionError) as raised:
        resolve_survey([question("nps"), question("nps", id="nps")], ["fr"])
    assert ((1, "id"), "duplicate question id 'nps'") in raised.value.errors
    assert ((1, "kind"), "nps is asked more than once") in raised.value.errors
    with pytest.raises(SurveyDefinitionError):
        resolve_survey([], ["fr"])


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValidationError):
        question("stars")


def test_choose_language_prefers_the_locale_then_the_default() -> None:
    survey = resolve_survey([question("nps")], ["fr", "en"], default_language="fr")
    assert survey.choose_language("en-GB", "fr") == "en"
    assert survey.choose_language(None, "de-DE", "EN") == "en"
    assert survey.choose_language("de") == "fr"


MAP: dict[str, Any] = {
    "name": "Shop",
    "departments": [{"id": "care", "name": "Care"}],
    "personas": [{"id": "parent", "name": "Parent"}],
    "touchpoints": [
        {
            "id": "delivery",
            "name": "Delivery",
            "channels": ["web"],
            "survey": {"questions": [{"id": "nps", "kind": "nps"}]},
        }
    ],
}


def map_errors(**changes: Any) -> dict[str, str]:
    with pytest.raises(ValidationError) as raised:
        JourneyMap.model_validate({**MAP, **changes})
    return {".".join(map(str, e["loc"])): e["msg"] for e in raised.value.errors()}


def test_map_surveys_resolve_with_the_maps_languages() -> None:
    journey = JourneyMap.model_validate({**MAP, "relationship": {"owner": "care"}})
    survey = journey.survey("delivery")
    assert survey is not None
    assert survey.languages == ["fr", "en"]
    relationship = journey.survey(None)
    assert relationship is not None
    assert [q.kind for q in relationship.questions] == [QuestionKind.NPS, QuestionKind.VERBATIM]
    assert JourneyMap.model_validate(MAP).survey(None) is None


def test_a_map_survey_says_what_it_is_about() -> None:
    """The map's title per language, else the touchpoint's name, else the relationship."""
    journey = JourneyMap.model_validate({**MAP, "relationship": {"owner": "care"}})
    delivery = journey.survey("delivery")
    assert delivery is not None
    assert delivery.title == {"fr": "Votre avis\u00a0: Delivery", "en": "Your opinion: Delivery"}
    relationship = journey.survey(None)
    assert relationship is not None
    assert relationship.title == {
        "fr": "Votre avis sur notre relation",
        "en": "Your opinion of our relationship",
    }
    titled = {**MAP["touchpoints"][0]}
    titled["survey"] = {
        "title": {"fr": "Votre livraison", "en": "Your delivery"},
        "questions": [{"id": "nps", "kind": "nps"}],
    }
    program = {"owner": "care", "title": {"fr": "Un an avec nous", "en": "A year with us"}}
    journey = JourneyMap.model_validate({**MAP, "touchpoints": [titled], "relationship": program})
    assert (survey := journey.survey("delivery")) is not None
    assert survey.title == {"fr": "Votre livraison", "en": "Your delivery"}
    assert (survey := journey.survey(None)) is not None
    assert survey.title == program["title"]
    # a version of actions without titles hands out none: the page then says it generally
    assert ResolvedSurvey.model_validate({**delivery.model_dump(), "title": None}).title is None
    assert "title" not in resolve_survey([question("nps")], ["fr"]).model_dump(exclude_none=True)


def test_map_names_the_path_of_each_survey_mistake() -> None:
    touchpoint = {**MAP["touchpoints"][0]}
    touchpoint["survey"] = {"questions": [{"id": "q", "kind": "stars"}]}
    assert "touchpoints.0.survey.questions.0.kind" in map_errors(touchpoints=[touchpoint])
    touchpoint["survey"] = {
        "questions": [{"id": "q", "kind": "csat", "wording": {"en": {"label": "Happy?"}}}]
    }
    assert map_errors(touchpoints=[touchpoint]) == {
        "touchpoints.0.survey.questions.0.wording.fr": "missing the 'fr' translation"
    }
    assert set(map_errors(relationship={"owner": "care", "questions": []})) == {
        "relationship.questions"
    }
    errors = map_errors(relationship={"owner": "sales", "personas": ["cat"]})
    assert set(errors) == {"relationship.owner", "relationship.personas.0"}
    touchpoint["survey"] = {"title": {"fr": "Livraison"}, "questions": [{"id": "n", "kind": "nps"}]}
    assert map_errors(touchpoints=[touchpoint]) == {
        "touchpoints.0.survey.title.en": "missing the 'en' translation"
    }
    assert map_errors(relationship={"owner": "care", "title": {"en": "Us"}}) == {
        "relationship.title.fr": "missing the 'fr' translation"
    }
    assert "touchpoints.0.survey.title.fr" in map_errors(
        touchpoints=[{**touchpoint, "survey": {"title": {"fr": "", "en": "x"}}}]
    )


def test_map_languages_and_reserved_touchpoint() -> None:
    assert set(map_errors(languages=["en"], default_language="fr")) == {"default_language"}
    assert "languages.1" in map_errors(languages=["fr", "de"])
    reserved = {**MAP["touchpoints"][0], "id": "relationship"}
    assert "touchpoints.0.id" in map_errors(touchpoints=[reserved])
