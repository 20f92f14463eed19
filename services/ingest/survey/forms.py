"""The survey form: its anti-forgery field, and answers read and checked against the survey.

Errors are codes (``required``, ``choice``, ``pair``, ``too_long``) that the templates turn
into sentences in the page's language: no text a person reads is written here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.events.values import VERBATIM_MAX_CHARS
from shared.surveys import QuestionKind, ResolvedQuestion, ResolvedSurvey

CONSENT = {"yes": True, "no": False}
_NUMBER = re.compile(r"^[0-9]{1,2}$")  # ASCII digits only: int() also reads other scripts'


class FormSigner:
    """Signs a form for one survey link: ``<issued at>.<HMAC-SHA256(token, issued at)>``.

    No cookie is needed: a page from elsewhere cannot read the field (same-origin policy), so
    it cannot post a form that passes ``check``.
    """

    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self._key = secret.encode()
        self._max_age = max_age_seconds

    def sign(self, token: str, now: float | None = None) -> str:
        issued = str(int(time.time() if now is None else now))
        return f"{issued}.{self._mac(token, issued)}"

    def check(self, token: str, signed: str, now: float | None = None) -> bool:
        """True when ``signed`` was made by ``sign`` for ``token`` within the max age."""
        issued, _, mac = signed.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(mac, self._mac(token, issued)):
            return False
        age = (time.time() if now is None else now) - int(issued)
        return -60 <= age <= self._max_age  # a minute of clock skew between replicas

    def _mac(self, token: str, issued: str) -> str:
        message = f"{token}|{issued}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class FieldProblem:
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Answers:
    """What the customer chose, as fields of ``SurveyAnswered``; ``errors`` by form field."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, FieldProblem] = field(default_factory=dict)


def read_answers(survey: ResolvedSurvey, form: Mapping[str, str]) -> Answers:
    """Check every question of ``survey`` against the posted ``form`` (field names are the
    question ids; an expectation posts ``<id>-expected`` and ``<id>-perceived``)."""
    answers = Answers()
    for question in survey.questions:
        _READERS[question.kind](question, form, answers)
    return answers


def _read_scale(question: ResolvedQuestion, form: Mapping[str, str], answers: Answers) -> None:
    value = _scale_value(question, form.get(question.id, ""))
    if isinstance(value, FieldProblem):
        answers.errors[question.id] = value
    elif value is not None:
        answers.values[question.kind.value] = value


def _read_expectation(
    question: ResolvedQuestion, form: Mapping[str, str], answers: Answers
) -> None:
    names = (f"{question.id}-expected", f"{question.id}-perceived")
    expected, perceived = (_scale_value(question, form.get(name, "")) for name in names)
    for name, value in zip(names, (expected, perceived), strict=True):
        if isinstance(value, FieldProblem):
            answers.errors[name] = value
    if expected is None and isinstance(perceived, int):
        answers.errors[names[0]] = FieldProblem("pair")
    elif perceived is None and isinstance(expected, int):
        answers.errors[names[1]] = FieldProblem("pair")
    elif isinstance(expected, int) and isinstance(perceived, int):
        answers.values |= {"expected": expected, "perceived": perceived}


def _scale_value(question: ResolvedQuestion, raw: str) -> int | FieldProblem | None:
    assert question.scale is not None
    low, high = question.scale
    if not raw.strip():
        return FieldProblem("required", {"low": low, "high": high}) if question.required else None
    if not _NUMBER.match(raw.strip()) or not low <= int(raw) <= high:
        return FieldProblem("choice", {"low": low, "high": high})
    return int(raw)


def _read_verbatim(question: ResolvedQuestion, form: Mapping[str, str], answers: Answers) -> None:
    text = _typed(form.get(question.id, ""))
    if len(text) > VERBATIM_MAX_CHARS:
        answers.errors[question.id] = FieldProblem(
            "too_long", {"most": VERBATIM_MAX_CHARS, "now": len(text)}
        )
    elif not text and question.required:
        answers.errors[question.id] = FieldProblem("required_text")
    elif text:
        answers.values["verbatim"] = text


def _typed(raw: str) -> str:
    """The text as the customer typed it. A browser sends each line break of a text area as
    CR LF but counts it as one character against ``maxlength``: read as one, a text the page
    let through is never too long. NUL, which nobody types and no text can store, goes."""
    return raw.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()


def _read_consent(question: ResolvedQuestion, form: Mapping[str, str], answers: Answers) -> None:
    raw = form.get(question.id, "")
    if raw in CONSENT:
        answers.values["callback_consent"] = CONSENT[raw]
    elif raw or question.required:
        answers.errors[question.id] = FieldProblem("yes_no")


_READERS = {
    QuestionKind.NPS: _read_scale,
    QuestionKind.CSAT: _read_scale,
    QuestionKind.CES: _read_scale,
    QuestionKind.EXPECTATION: _read_expectation,
    QuestionKind.VERBATIM: _read_verbatim,
    QuestionKind.CALLBACK_CONSENT: _read_consent,
}
