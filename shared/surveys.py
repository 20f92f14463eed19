"""Hosted surveys: the questions a journey map declares, their default wordings in French
and English, and ``resolve_survey`` that fills every declared language's every text.

Both actions (which owns the map and hands a resolved survey out with each invitation) and
ingest (which renders and validates the page) import this module. Scales and their
directions match the scoring model: NPS 0-10, CSAT 1-5, CES 1-7 (7 = very easy),
expected and perceived 1-5 each.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.schemas import Channel
from shared.events.values import Slug

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")
Location = tuple[str | int, ...]


class QuestionKind(StrEnum):
    NPS = "nps"
    CSAT = "csat"
    CES = "ces"
    EXPECTATION = "expectation"  # expected then perceived, 1-5 each
    VERBATIM = "verbatim"
    CALLBACK_CONSENT = "callback_consent"


# (lowest, highest) of each scale; the others are free text or yes/no.
SCALES: dict[QuestionKind, tuple[int, int]] = {
    QuestionKind.NPS: (0, 10),
    QuestionKind.CSAT: (1, 5),
    QuestionKind.CES: (1, 7),
    QuestionKind.EXPECTATION: (1, 5),
}


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionWording(_Doc):
    """A question's texts in one language; a text left out takes the kind's default."""

    label: str = Field(min_length=1, max_length=500)
    hint: str | None = Field(default=None, max_length=1000)
    low_label: str | None = Field(default=None, max_length=100, description="lowest scale end")
    high_label: str | None = Field(default=None, max_length=100, description="highest scale end")
    expected_label: str | None = Field(default=None, max_length=200)
    perceived_label: str | None = Field(default=None, max_length=200)


class SurveyQuestion(_Doc):
    """One question of a survey. ``required`` defaults to true for scales, false for the
    verbatim and the callback consent. ``wording`` overrides the defaults per language: a
    question that overrides one declared language must override them all."""

    id: Slug
    kind: QuestionKind
    required: bool = False
    wording: dict[Language, QuestionWording] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _default_required(cls, data: Any) -> Any:
        if isinstance(data, dict) and "required" not in data:
            return {**data, "required": data.get("kind") in {k.value for k in SCALES}}
        return data


def default_relationship_questions() -> list[SurveyQuestion]:
    return [
        SurveyQuestion(id="nps", kind=QuestionKind.NPS, required=True),
        SurveyQuestion(id="verbatim", kind=QuestionKind.VERBATIM, required=False),
    ]


# What a survey is about, as its page's heading says it, per language: the customer sees
# it first ("Your delivery of this week"). A map that gives it gives every language.
SurveyTitle = dict[Language, Annotated[str, Field(min_length=1, max_length=200)]]
TITLE_DESCRIPTION = (
    "The page's heading per language: what the survey is about (default: the touchpoint's "
    "name, or the relationship)."
)


class RelationshipProgram(_Doc):
    """The periodic relationship survey: who owns its detractors, how often a customer is
    asked, which personas (empty = every customer), its title and its questions."""

    owner: Slug = Field(description="The department whose tasks relationship detractors open.")
    every_days: float = Field(default=365, ge=1, le=3650, description="one invitation per period")
    personas: list[Slug] = Field(default_factory=list)
    channel: Channel = Field(default=Channel.EMAIL, description="where the invitation is sent")
    title: SurveyTitle = Field(default_factory=dict, description=TITLE_DESCRIPTION)
    questions: list[SurveyQuestion] = Field(
        default_factory=default_relationship_questions, min_length=1
    )


class ResolvedWording(BaseModel):
    label: str
    hint: str | None = None
    low_label: str | None = None
    high_label: str | None = None
    expected_label: str | None = None
    perceived_label: str | None = None


class ResolvedQuestion(BaseModel):
    id: str
    kind: QuestionKind
    required: bool
    scale: tuple[int, int] | None = Field(description="lowest and highest answer of a scale")
    wording: dict[str, ResolvedWording] = Field(description="every declared language")


class ResolvedSurvey(BaseModel):
    """A survey ready to show: every question has every text in every language listed, and
    so has its title (none from a version that had no titles: the page says it generally)."""

    languages: list[str]
    default_language: str
    title: dict[str, str] | None = Field(
        default=None, description="what the survey is about, in every language listed"
    )
    organisation: str | None = Field(
        default=None, description="who asks, as the journey map names it (none: not named)"
    )
    questions: list[ResolvedQuestion]

    def choose_language(self, *preferences: str | None) -> str:
        """The first of ``preferences`` (a locale like ``fr-FR``, or an Accept-Language
        entry) this survey speaks, else its default language."""
        for preference in preferences:
            primary = (preference or "").split("-")[0].split("_")[0].strip().lower()
            if primary in self.languages:
                return primary
        return self.default_language


class SurveyDefinitionError(ValueError):
    """A survey that cannot be resolved; ``errors`` lists (location, message) pairs."""

    def __init__(self, errors: list[tuple[Location, str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in errors))
        self.errors = errors


def survey_errors(
    questions: Sequence[SurveyQuestion], languages: Iterable[str]
) -> list[tuple[Location, str]]:
    """What is wrong with ``questions`` for ``languages``, each located under the list:
    a duplicate id, a kind asked twice (one answer field per kind), an override missing a
    declared language."""
    return [(loc, message) for loc, message, _, _ in coded_survey_errors(questions, languages)]


def coded_survey_errors(
    questions: Sequence[SurveyQuestion], languages: Iterable[str]
) -> list[tuple[Location, str, str, dict[str, str]]]:
    """:func:`survey_errors`, each with its code and the params its wording needs
    (``duplicate_question`` with ``id``, ``repeated_question_kind`` with ``kind``,
    ``missing_translation`` with ``language``)."""
    languages = list(languages)
    ids = Counter(q.id for q in questions)
    kinds = Counter(q.kind for q in questions)
    errors: list[tuple[Location, str, str, dict[str, str]]] = []
    for i, question in enumerate(questions):
        if ids[question.id] > 1:
            message = f"duplicate question id {question.id!r}"
            errors.append(((i, "id"), message, "duplicate_question", {"id": question.id}))
        if kinds[question.kind] > 1:
            message = f"{question.kind.value} is asked more than once"
            kind = question.kind.value
            errors.append(((i, "kind"), message, "repeated_question_kind", {"kind": kind}))
        errors += [
            ((i, "wording", *loc), message, code, params)
            for loc, message, code, params in translation_errors(question.wording, languages)
        ]
    return errors


def resolve_survey(
    questions: Sequence[SurveyQuestion],
    languages: Sequence[str],
    default_language: str | None = None,
    title: Mapping[Language, str] | None = None,
    organisation: str | None = None,
) -> ResolvedSurvey:
    """Fill the default wordings so every language of ``languages`` has every text;
    ``title``, the survey's in each of them, is carried as given.

    Raises ``SurveyDefinitionError`` for what ``survey_errors`` finds, an empty survey or
    a language without default wordings.
    """
    errors = survey_errors(questions, languages)
    errors += [
        ((), f"no default wordings for {lang!r}") for lang in languages if lang not in DEFAULTS
    ]
    if not questions:
        errors.append(((), "a survey needs at least one question"))
    if errors:
        raise SurveyDefinitionError(errors)
    return ResolvedSurvey(
        languages=list(languages),
        default_language=default_language or languages[0],
        title={str(lang): text for lang, text in title.items()} if title is not None else None,
        organisation=organisation,
        questions=[_resolve(question, languages) for question in questions],
    )


def translation_errors(
    texts: Mapping[Language, object], languages: Iterable[str]
) -> list[tuple[Location, str, str, dict[str, str]]]:
    """A text given in some languages (a title, a question's wording) must be given in every
    declared one: ``missing_translation`` with ``language``, located under the text."""
    if not texts:
        return []
    return [
        ((lang,), f"missing the {lang!r} translation", "missing_translation", {"language": lang})
        for lang in languages
        if lang not in texts
    ]


def default_title(language: str, touchpoint_name: str | None) -> str:
    """The heading of a survey whose map gives no title: about the touchpoint, by its name
    in the map, or about the relationship (``None``)."""
    if touchpoint_name is None:
        return DEFAULT_RELATIONSHIP_TITLE[language]
    return DEFAULT_TOUCHPOINT_TITLE[language].format(name=touchpoint_name)


DEFAULT_TOUCHPOINT_TITLE = {"fr": "Votre avis\u00a0: {name}", "en": "Your opinion: {name}"}
DEFAULT_RELATIONSHIP_TITLE = {
    "fr": "Votre avis sur notre relation",
    "en": "Your opinion of our relationship",
}


def _resolve(question: SurveyQuestion, languages: Sequence[str]) -> ResolvedQuestion:
    return ResolvedQuestion(
        id=question.id,
        kind=question.kind,
        required=question.required,
        scale=SCALES.get(question.kind),
        wording={lang: _wording(question, lang) for lang in languages},
    )


def _wording(question: SurveyQuestion, language: str) -> ResolvedWording:
    default = DEFAULTS[language][question.kind]
    override = question.wording.get(language)  # type: ignore[call-overload]
    if override is None:
        return default
    given = override.model_dump(exclude_none=True)
    return default.model_copy(update=given)


DEFAULTS: dict[str, dict[QuestionKind, ResolvedWording]] = {
    "fr": {
        QuestionKind.NPS: ResolvedWording(
            label="Quelle est la probabilité que vous nous recommandiez à un proche ?",
            hint="De 0 (pas du tout probable) à 10 (très probable).",
            low_label="pas du tout probable",
            high_label="très probable",
        ),
        QuestionKind.CSAT: ResolvedWording(
            label="Dans l’ensemble, êtes-vous satisfait de cette expérience ?",
            hint="De 1 (pas du tout satisfait) à 5 (très satisfait).",
            low_label="pas du tout satisfait",
            high_label="très satisfait",
        ),
        QuestionKind.CES: ResolvedWording(
            label="A-t-il été facile de faire ce que vous souhaitiez ?",
            hint="De 1 (très difficile) à 7 (très facile).",
            low_label="très difficile",
            high_label="très facile",
        ),
        QuestionKind.EXPECTATION: ResolvedWording(
            label="Votre expérience par rapport à ce que vous attendiez",
            hint="De 1 (très mauvaise) à 5 (excellente), pour chacune des deux questions.",
            low_label="très mauvaise",
            high_label="excellente",
            expected_label="L’expérience que vous attendiez",
            perceived_label="L’expérience que vous avez vécue",
        ),
        QuestionKind.VERBATIM: ResolvedWording(
            label="Souhaitez-vous nous en dire plus ?",
            hint="N’indiquez ni numéro de carte ni mot de passe.",
        ),
        QuestionKind.CALLBACK_CONSENT: ResolvedWording(
            label="Acceptez-vous qu’un conseiller vous recontacte à ce sujet ?",
        ),
    },
    "en": {
        QuestionKind.NPS: ResolvedWording(
            label="How likely are you to recommend us to a friend or colleague?",
            hint="From 0 (not at all likely) to 10 (extremely likely).",
            low_label="not at all likely",
            high_label="extremely likely",
        ),
        QuestionKind.CSAT: ResolvedWording(
            label="Overall, how satisfied are you with this experience?",
            hint="From 1 (not at all satisfied) to 5 (very satisfied).",
            low_label="not at all satisfied",
            high_label="very satisfied",
        ),
        QuestionKind.CES: ResolvedWording(
            label="How easy was it to do what you wanted?",
            hint="From 1 (very difficult) to 7 (very easy).",
            low_label="very difficult",
            high_label="very easy",
        ),
        QuestionKind.EXPECTATION: ResolvedWording(
            label="Your experience compared with what you expected",
            hint="From 1 (very poor) to 5 (excellent), for each of the two questions.",
            low_label="very poor",
            high_label="excellent",
            expected_label="The experience you expected",
            perceived_label="The experience you had",
        ),
        QuestionKind.VERBATIM: ResolvedWording(
            label="Would you like to tell us more?",
            hint="Please don't include card numbers or passwords.",
        ),
        QuestionKind.CALLBACK_CONSENT: ResolvedWording(
            label="May an adviser contact you about this?",
        ),
    },
}
