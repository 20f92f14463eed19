"""A survey response needs at least one answer: any one of nps, csat, ces, expected (with
perceived) or verbatim is enough, each at its bounds, and none is refused for the whole
response rather than for a field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from shared.events.schemas import SurveyAnswered, SurveyResponseFields

REQUIRED = {
    "event_id": "e-1",
    "customer_id": "c-1",
    "touchpoint": "checkout",
    "answered_at": "2026-03-01T09:30:00Z",
}
ANSWERS = [
    {"nps": 0},
    {"nps": 10},
    {"csat": 1},
    {"ces": 7},
    {"expected": 1, "perceived": 5},
    {"verbatim": "ok"},
    {"nps": 3, "csat": 2, "ces": 1, "expected": 2, "perceived": 2, "verbatim": "so-so"},
]


@pytest.mark.parametrize("answers", ANSWERS, ids=repr)
def test_any_one_answer_is_enough(answers: dict[str, Any]) -> None:
    response = SurveyResponseFields.model_validate({**REQUIRED, **answers})
    assert {name: getattr(response, name) for name in answers} == answers


@pytest.mark.parametrize(
    "nulls",
    [{}, {"nps": None, "csat": None, "ces": None, "expected": None, "perceived": None}],
    ids=["absent", "null"],
)
@pytest.mark.parametrize("verbatim", [None, "", "  \n"], ids=["none", "empty", "blank"])
def test_no_answer_is_refused_for_the_response(nulls: dict[str, Any], verbatim: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        SurveyResponseFields.model_validate({**REQUIRED, **nulls, "verbatim": verbatim})
    [error] = refused.value.errors(include_url=False)
    assert (error["type"], error["loc"]) == ("value_error", ())
    assert error["msg"] == (
        "Value error, at least one answer: nps, csat, ces, expected/perceived or verbatim"
    )


def test_the_event_needs_an_answer_as_the_request_does() -> None:
    fields = {**REQUIRED, "received_at": "2026-03-01T09:31:00Z"}
    assert SurveyAnswered.model_validate({**fields, "ces": 1}).ces == 1
    with pytest.raises(ValidationError, match="at least one answer"):
        SurveyAnswered.model_validate(fields)


def test_a_field_error_comes_before_the_answers_are_counted() -> None:
    # the answers are counted only once every field is valid
    with pytest.raises(ValidationError) as refused:
        SurveyResponseFields.model_validate({**REQUIRED, "nps": 11})
    assert [error["loc"] for error in refused.value.errors()] == [("nps",)]
