"""Reading the posted survey form against its survey, and the form's anti-forgery field."""

from __future__ import annotations

import pytest

from services.ingest.config import IngestSettings
from services.ingest.survey.forms import (
    VERBATIM_MAX_CHARS,
    FieldProblem,
    FormSigner,
    read_answers,
)
from shared.surveys import QuestionKind, SurveyQuestion, resolve_survey

SURVEY = resolve_survey(
    [
        SurveyQuestion(id="nps", kind=QuestionKind.NPS),
        SurveyQuestion(id="effort", kind=QuestionKind.CES),
        SurveyQuestion(id="gap", kind=QuestionKind.EXPECTATION, required=False),
        SurveyQuestion(id="words", kind=QuestionKind.VERBATIM),
        SurveyQuestion(id="call", kind=QuestionKind.CALLBACK_CONSENT),
    ],
    ["fr", "en"],
)


def test_a_complete_form_becomes_the_event_fields() -> None:
    form = {"nps": "9", "effort": "7", "gap-expected": "3", "gap-perceived": "5"}
    answers = read_answers(SURVEY, form | {"words": "  Parfait  ", "call": "no"})
    assert answers.errors == {}
    assert answers.values == {
        "nps": 9,
        "ces": 7,
        "expected": 3,
        "perceived": 5,
        "verbatim": "Parfait",
        "callback_consent": False,
    }


def test_optional_questions_may_be_left_out() -> None:
    answers = read_answers(SURVEY, {"nps": "0", "effort": "1", "words": "   "})
    assert answers.errors == {}
    assert answers.values == {"nps": 0, "ces": 1}


def test_each_field_says_what_is_wrong_with_it() -> None:
    answers = read_answers(
        SURVEY, {"nps": "11", "gap-expected": "2", "words": "x" * 5001, "call": "maybe"}
    )
    assert answers.errors == {
        "nps": FieldProblem("choice", {"low": 0, "high": 10}),
        "effort": FieldProblem("required", {"low": 1, "high": 7}),
        "gap-perceived": FieldProblem("pair"),
        "words": FieldProblem("too_long", {"most": 5000, "now": 5001}),
        "call": FieldProblem("yes_no"),
    }


def test_a_text_the_page_let_through_is_not_too_long() -> None:
    # 4,901 letters and 99 line breaks: 5,000 characters as the text area counts them, sent
    # by the browser with each break as CR LF
    typed = "\n".join(["x" * 49] * 100) + "x"
    assert len(typed) == 5000
    answers = read_answers(
        SURVEY, {"nps": "5", "effort": "5", "words": typed.replace("\n", "\r\n")}
    )
    assert answers.errors == {}
    assert answers.values["verbatim"] == typed


def test_a_text_keeps_its_lines_and_loses_nul_characters() -> None:
    answers = read_answers(SURVEY, {"nps": "5", "effort": "5", "words": "un\r\ndeux\rtrois\x00"})
    assert answers.values["verbatim"] == "un\ndeux\ntrois"


@pytest.mark.parametrize("raw", ["-1", "4.5", "sept", "٣"])
def test_a_scale_takes_only_the_numbers_shown(raw: str) -> None:
    answers = read_answers(SURVEY, {"nps": "5", "effort": raw})
    assert answers.errors["effort"].code == "choice"


def test_a_signed_form_passes_for_its_own_link_only() -> None:
    signer = FormSigner("secret", max_age_seconds=3600)
    signed = signer.sign("token-a", now=1_000_000)
    assert signer.check("token-a", signed, now=1_000_000 + 3600)
    assert not signer.check("token-b", signed, now=1_000_000)
    assert not FormSigner("other", 3600).check("token-a", signed, now=1_000_000)


@pytest.mark.parametrize("signed", ["", "abc", "1000000.", "1000000.00", ".deadbeef"])
def test_a_forged_form_field_fails(signed: str) -> None:
    assert not FormSigner("secret", 3600).check("token-a", signed, now=1_000_000)


def test_a_form_older_than_the_max_age_fails() -> None:
    signer = FormSigner("secret", max_age_seconds=3600)
    signed = signer.sign("token-a", now=1_000_000)
    assert not signer.check("token-a", signed, now=1_000_000 + 3601)
    assert not signer.check("token-a", signed, now=1_000_000 - 61)


def test_the_form_bound_holds_any_message_the_page_allows_within_the_body_limit() -> None:
    """The text area counts UTF-16 units, a line break as one; URL-encoded, a unit takes at
    most 9 bytes (a 3-byte character, %XX each; a break sent as CR LF takes 6, a 4-byte
    character 12 for its two units). The other fields of a survey take under 1 KiB."""
    settings = IngestSettings()
    assert settings.survey_form_max_bytes >= VERBATIM_MAX_CHARS * 9 + 1024
    assert settings.survey_form_max_bytes <= settings.event_max_bytes
