"""An API's field error worded in the page's language from its code and params: beside a
task form's field, beside the line of an uploaded document. A code the console does not
know, or one without the params its wording needs, shows the API's English message."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from services.console.api import ApiError
from services.console.operations.actions import Refused as UploadRefused
from services.console.operations.documents import locate
from services.console.refusals import WORDED, shown
from services.console.tasks.actions import _messages, _said
from services.console.web import renderer
from shared.journey import JourneyMap
from shared.pages import Page
from shared.problems import field_errors

MAP = """\
name: Boutique
touchpoints:
  - id: checkout
    name: Paiement
    channels: [web, fax]
    colour: blue
  - id: delivery
    name: Livraison
    channels: [web]
    weight: 0
journeys:
  - id: buy
    name: Acheter
    stages:
      - id: pay
        name: Payer
        touchpoints: [checkout, teleportation]
"""


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def render(template: str, language: str, **context: Any) -> str:
    return text_of(renderer().render(Page(template, language, context=context)))


def api_errors(document: Any) -> list[dict[str, Any]]:
    """The errors the journey map API answers for ``document``, as JSON."""
    with pytest.raises(ValidationError) as refused:
        JourneyMap.model_validate(document)
    return [e.model_dump(mode="json") for e in field_errors(refused.value.errors())]


def upload_refusal(language: str, text: str, errors: list[dict[str, Any]]) -> str:
    refused = UploadRefused("journey-map", "invalid", errors=errors)
    refused.text, refused.lines = text, locate(text, errors)
    context = {"refused": refused, "name": "journey-map", "csrf": "t", "prefill": "", "flash": None}
    return render("partials/_op_upload.html", language, **context, title="", submit="")


def test_a_refused_map_reads_in_french_each_error_on_its_line() -> None:
    errors = api_errors(yaml.safe_load(MAP))

    page = upload_refusal("fr", MAP, errors)

    assert "touchpoints.0.colour · ligne 6" in page
    assert "Ce champ n’est pas attendu ici : vérifiez son nom et sa place." in page
    assert "touchpoints.0.channels.1 · ligne 5" in page
    assert "Doit être l’une de ces valeurs : web, mobile_app, phone," in page
    assert "touchpoints.1.weight · ligne 10" in page
    assert "Doit être supérieur à 0." in page
    assert "Refusé par l’API" not in page
    assert "Extra inputs" not in page
    assert "greater than" not in page


def test_the_map_s_own_rules_read_in_french_and_english() -> None:
    document = yaml.safe_load(MAP)
    document["touchpoints"][0].pop("colour")
    document["touchpoints"][0]["channels"] = ["web"]
    document["touchpoints"][1]["weight"] = 2
    errors = api_errors(document)

    french, english = upload_refusal("fr", MAP, errors), upload_refusal("en", MAP, errors)

    assert "journeys.0.stages.0.touchpoints.1 · ligne 17" in french
    assert "Aucun point de contact de la carte n’a l’identifiant « teleportation »." in french
    assert "No touchpoint of the map has the id “teleportation”." in english
    assert "unknown touchpoint" not in french + english


def test_a_code_without_its_params_or_unknown_shows_the_api_s_message() -> None:
    errors = [
        {
            "field": "name",
            "message": "String should have at most 200 characters",
            "code": "string_too_long",
        },  # no max_length: not worded
        {"field": "touchpoints", "message": "a newer rule", "code": "newer_rule"},
    ]

    page = upload_refusal("fr", MAP, errors)

    assert "Refusé par l’API : String should have at most 200 characters" in page
    assert "Refusé par l’API : a newer rule" in page


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Au plus 5 000 caractères."), ("en", "At most 5,000 characters.")],
)
def test_a_task_form_s_field_error_is_worded_with_its_params(language: str, said: str) -> None:
    error = {
        "field": "resolution",
        "message": "String should have at most 5000 characters",
        "code": "string_too_long",
        "params": {"max_length": 5000},
    }
    refused = ApiError("actions", "refused", 422, "1 invalid field(s)", [error])
    context = {"errors": _messages(refused), "said": _said(refused)}

    text = render(
        "partials/_field_error.html", language, **context, name="resolution", form_id="resolve"
    )

    assert text.replace("\u202f", " ").replace("\xa0", " ") == said


SAMPLES: dict[str, Any] = {
    "min_length": 2,
    "max_length": 200,
    "gt": 0,
    "ge": 0.5,
    "lt": 10,
    "le": 8784,
    "pattern": "^[a-z0-9][a-z0-9_.-]*$",
    "expected": "'phone', 'email' or 'web'",
    "id": "basket",
    "language": "fr",
    "keyword": "livraison",
    "missing": "low",
    "kind": "nps",
}


@pytest.mark.parametrize("code", sorted(WORDED))
def test_every_code_the_console_knows_is_worded_in_both_languages(code: str) -> None:
    error = shown({"code": code, "params": SAMPLES, "message": "ENGLISH"})
    words = {}
    for language in ("fr", "en"):
        errors = {"name": error["code"]}
        context = {"errors": errors, "said": {"name": error}, "name": "name", "form_id": "f"}
        words[language] = render("partials/_field_error.html", language, **context)
        assert words[language]
        assert "ENGLISH" not in words[language]
    assert words["fr"] != words["en"]
