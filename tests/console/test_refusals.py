"""An API's refusal of a referent's action, worded beside its field in the page's language."""

from __future__ import annotations

import re
from typing import Any

import pytest

from services.console.api import ApiError
from services.console.tasks.actions import _messages
from services.console.web import renderer
from shared.pages import Page


def refused(*errors: dict[str, Any]) -> ApiError:
    return ApiError("actions", "refused", 422, "1 invalid field(s)", list(errors))


def worded(language: str, errors: dict[str, str]) -> str:
    context = {"errors": errors, "name": "recontacted_at", "form_id": "resolve"}
    page = Page("partials/_field_error.html", language, context=context)
    return " ".join(re.sub(r"<[^>]+>", " ", renderer().render(page)).split())


@pytest.mark.parametrize(
    ("code", "language", "said"),
    [
        ("recontact_in_future", "fr", "Le recontact est daté dans le futur"),
        ("recontact_in_future", "en", "The recontact is dated in the future"),
        ("recontact_before_opening", "fr", "Le recontact est daté d’avant l’ouverture"),
        ("recontact_before_opening", "en", "The recontact is dated before the task was opened"),
    ],
)
def test_a_known_code_is_worded_in_the_page_s_language(code: str, language: str, said: str) -> None:
    error = {"field": "customer_recontacted.at", "message": "the recontact is …", "code": code}

    errors = _messages(refused(error))

    assert errors == {"recontacted_at": code}
    text = worded(language, errors)
    assert said in text
    assert "…" not in text  # the API's English sentence is not shown


def test_an_error_without_a_known_code_shows_the_api_s_message() -> None:
    errors = _messages(
        refused(
            {"field": "customer_recontacted.at", "message": "no such day", "code": "newer_rule"},
            {"field": "root_cause", "message": "unknown root cause 'x'"},
        )
    )

    assert errors == {"recontacted_at": "no such day", "root_cause": "unknown root cause 'x'"}
    assert worded("fr", errors) == "Refusé par l’API : no such day"
