"""Event payloads carried in the CloudEvents envelope (the ``data`` of each message).

Field rules here are the contract between services. Request models in ingest reuse the
``*Fields`` bases, which refuse unknown fields; the events themselves ignore unknown fields
so an older consumer keeps working when a newer producer adds one.

The numbers and booleans of the signals are strict (``strict=True``): an integer field takes
a JSON integer (``7``, not ``7.0``, ``"7"`` or ``true``), a number field any JSON number
(``12`` or ``12.5``), a boolean only ``true`` or ``false``. A client that sends ``"7"`` has
a bug that reading it as 7 would hide. Whoever builds a signal from text (the hosted survey
page's form) converts it before the model.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from shared.events import topics
from shared.events.values import (
    Attributes,
    CustomerId,
    Identifier,
    LanguageTag,
    Slug,
    StorableText,
    TimeZoneName,
    UtcDatetime,
)


class Channel(StrEnum):
    WEB = "web"
    MOBILE_APP = "mobile_app"
    PHONE = "phone"
    STORE = "store"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"
    MAIL = "mail"
    SMS = "sms"  # a text message: a survey's link, a notification, a conversation


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    ABANDONED = "abandoned"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InteractionFields(_Strict):
    event_id: Identifier
    customer_id: CustomerId
    touchpoint: Slug
    channel: Channel
    occurred_at: UtcDatetime
    outcome: Outcome
    wait_seconds: float | None = Field(default=None, strict=True, ge=0, le=30 * 86400)
    duration_seconds: float | None = Field(default=None, strict=True, ge=0, le=30 * 86400)
    transfers: int | None = Field(default=None, strict=True, ge=0, le=100)
    employee_id: Identifier | None = None
    employee_ease: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=7,
        description="The employee's ease of this interaction, 1-7: 7 = very easy, "
        "1 = very difficult (the same scale as the customer's CES; read together as C2ES).",
    )
    attributes: Attributes = Field(default_factory=dict)

    @property
    def occurred(self) -> datetime:
        return self.occurred_at


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class SurveyResponseFields(_Strict):
    event_id: Identifier
    customer_id: CustomerId
    relationship: bool = Field(
        default=False,
        strict=True,
        description="A periodic relationship NPS, not tied to a touchpoint.",
    )
    touchpoint: Slug | None = Field(default=None, validate_default=True)
    interaction_event_id: Identifier | None = None
    answered_at: UtcDatetime
    nps: int | None = Field(
        default=None,
        strict=True,
        ge=0,
        le=10,
        description="Likelihood to recommend, 0-10: 10 = certainly, 0 = not at all "
        "(9-10 promoter, 7-8 passive, 0-6 detractor).",
    )
    csat: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=5,
        description="Satisfaction, 1-5: 5 = very satisfied, 1 = very dissatisfied (4-5 satisfied).",
    )
    ces: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=7,
        description='Customer effort score, 1-7: agreement with "it was easy", '
        "7 = very easy, 1 = very difficult (higher is less effort).",
    )
    expected: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=5,
        description="The experience the customer expected, 1-5: 5 = the best; "
        "answered together with perceived.",
    )
    perceived: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=5,
        validate_default=True,
        description="The experience the customer perceived, 1-5: 5 = the best; "
        "perceived - expected is the expectation gap (positive: better than expected).",
    )
    # a blank verbatim ("", spaces, line breaks) is no answer: without another answer the
    # response is refused, where "   " was read as a neutral verbatim and "" as nothing
    verbatim: Annotated[StorableText | None, BeforeValidator(_blank_is_none)] = None
    language: LanguageTag | None = None

    @field_validator("touchpoint")
    @classmethod
    def _touchpoint_or_relationship(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "relationship" not in info.data:
            return value  # refused itself: its error is the one to fix
        relationship = info.data["relationship"]
        if value is None and not relationship:
            raise ValueError("required, unless relationship is true")
        if value is not None and relationship:
            raise ValueError("a relationship survey has no touchpoint")
        return value

    @field_validator("perceived")
    @classmethod
    def _perceived_with_expected(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "expected" not in info.data:
            return value  # refused itself: its error is the one to fix
        if (value is None) != (info.data["expected"] is None):
            raise ValueError("expected and perceived are answered together")
        return value

    @model_validator(mode="after")
    def _at_least_one_answer(self) -> SurveyResponseFields:
        # five tests in a row: all() over a generator of them took 0.8 µs more a response
        if (
            self.nps is None
            and self.csat is None
            and self.ces is None
            and self.expected is None
            and self.verbatim is None
        ):
            raise ValueError("at least one answer: nps, csat, ces, expected/perceived or verbatim")
        return self

    @property
    def occurred(self) -> datetime:
        return self.answered_at


class CustomerFields(_Strict):
    customer_id: CustomerId
    persona: Slug | None = None
    value_tier: Slug | None = None
    locale: LanguageTag | None = None
    timezone: TimeZoneName | None = None
    survey_opt_out: bool | None = Field(default=None, strict=True)
    updated_at: UtcDatetime | None = Field(
        default=None,
        description="When the profile changed at the source; defaults to reception time. "
        "A profile older than the one held is ignored downstream.",
    )


def source_received_at_field() -> Any:
    """The optional reception time a derived event carries from the signal it comes from."""
    return Field(
        default=None,
        description="When the signal this event derives from reached cxloop (ingest's "
        "received_at). The right to erasure judges the event by it; absent, by the time "
        "the event was published.",
    )


class Event(BaseModel):
    """Base of every event on Kafka: an id for de-duplication and the customer key."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    ce_type: ClassVar[str]
    topic: ClassVar[topics.Topic]
    # Unset fields are left out of the payload, except where null means something else
    # than the field's default.
    omits_nulls: ClassVar[bool] = True

    event_id: Identifier
    customer_id: Identifier

    @property
    def occurred(self) -> datetime:
        raise NotImplementedError

    @classmethod
    def trusted(cls, values: dict[str, Any]) -> Self:
        """The event of ``values``, each computed here or read back from what was (not
        validated again): what ``model_construct`` builds, without its walk over the fields,
        most of its cost. ``values`` is the event's to keep.

        :raises ValueError: ``values`` does not name exactly the event's fields.
        """
        if values.keys() != cls.__pydantic_fields__.keys():
            fields = cls.__pydantic_fields__.keys()
            wrong = sorted(fields - values.keys()) + sorted(values.keys() - fields)
            raise ValueError(f"{cls.__name__} needs every field and no other: {wrong}")
        return cls.trusted_literal(values)

    @classmethod
    def trusted_literal(cls, values: dict[str, Any]) -> Self:
        """``trusted`` without its check of the names, for a caller whose ``values`` is a
        dict literal of every field: its names are the same on every call, so a test
        checks them once (the check is 0.4 µs of the 1.5 that ``trusted`` costs a moment).
        """
        event = cls.__new__(cls)
        # as model_construct ends (events have no private attributes and no post-init)
        _set_attribute(event, "__dict__", values)
        _set_attribute(event, "__pydantic_fields_set__", set(values))
        _set_attribute(event, "__pydantic_extra__", None)
        _set_attribute(event, "__pydantic_private__", None)
        return event


_set_attribute = object.__setattr__  # past the models' frozen __setattr__


class InteractionRecorded(InteractionFields, Event):
    model_config = ConfigDict(extra="ignore", frozen=True)
    ce_type: ClassVar[str] = "cxloop.interaction.recorded"
    topic: ClassVar[topics.Topic] = topics.INTERACTIONS

    received_at: UtcDatetime


class SurveyAnswered(SurveyResponseFields, Event):
    model_config = ConfigDict(extra="ignore", frozen=True)
    ce_type: ClassVar[str] = "cxloop.survey.answered"
    topic: ClassVar[topics.Topic] = topics.SURVEY_RESPONSES

    received_at: UtcDatetime
    invitation_id: Identifier | None = Field(
        default=None, description="The invitation answered on the hosted survey page."
    )
    callback_consent: bool | None = Field(
        default=None, description="May an adviser contact the customer about it (hosted page)."
    )


class CustomerProfileUpdated(CustomerFields, Event):
    model_config = ConfigDict(extra="ignore", frozen=True)
    ce_type: ClassVar[str] = "cxloop.customer.profile-updated"
    topic: ClassVar[topics.Topic] = topics.CUSTOMERS

    updated_at: UtcDatetime
    received_at: UtcDatetime

    @property
    def occurred(self) -> datetime:
        return self.updated_at


# A verbatim travels on events cut to this many characters, then TRUNCATION_MARK; the
# full redacted text stays in scoring.
VERBATIM_EVENT_CHARS = 2000
TRUNCATION_MARK = " [...]"
# A verbatim's terms (lemmas, pairs of neighbouring lemmas) as events carry them.
MAX_TERMS = 60
TERM_CHARS = 64


class VerbatimTopic(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str = Field(max_length=64, description="a root cause or touchpoint id of the map")
    kind: str = Field(description="root_cause or touchpoint")
    sentiment: float = Field(description="the summed valence of the clauses that name it")


class Verbatim(BaseModel):
    """A customer's own words (redacted at ingest) with scoring's analysis of them."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    moment_id: str | None = Field(default=None, max_length=128, description="the moment it came on")
    text: str = Field(
        max_length=VERBATIM_EVENT_CHARS + len(TRUNCATION_MARK),
        description=f"redacted; cut at {VERBATIM_EVENT_CHARS} characters, then "
        f"{TRUNCATION_MARK.strip()!r}",
    )
    truncated: bool = False
    language: str = Field(description="fr, en or und (undetermined)")
    sentiment: float = Field(ge=-1, le=1)
    sentiment_class: str = Field(description="negative, neutral or positive")
    emotions: dict[str, float] = Field(default_factory=dict, description="emotion → confidence")
    topics: list[VerbatimTopic] = Field(default_factory=list, max_length=50)
    uncovered_terms: list[Annotated[str, Field(min_length=1, max_length=TERM_CHARS)]] = Field(
        default_factory=list,
        max_length=MAX_TERMS,
        description="its terms (lemmas, pairs of neighbouring lemmas) that no taxonomy entry "
        "covers, for the emerging_irritant rule; on moments only",
    )


def capped_verbatim(text: str) -> tuple[str, bool]:
    """``text`` as an event carries it, and whether it was cut."""
    if len(text) <= VERBATIM_EVENT_CHARS:
        return text, False
    return text[:VERBATIM_EVENT_CHARS] + TRUNCATION_MARK, True


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class MomentEvaluated(Event):
    """One evaluated signal of one customer, as scoring saw it (published on ``cx.moments``).

    ``event_id`` is ``moment:<source event id>``: a redelivered source gives the same moment.
    """

    ce_type: ClassVar[str] = "cxloop.moment.evaluated"
    topic: ClassVar[topics.Topic] = topics.MOMENTS

    source_event_id: Identifier
    source: str = Field(description="survey or interaction")
    touchpoint: Slug | None = None  # a relationship survey has none
    known_touchpoint: bool
    moment_of_truth: bool
    moment_of_pain: bool
    occurred_at: UtcDatetime
    valence: float = Field(ge=-1, le=1)
    weight: float
    polarity: Polarity
    lxi_before: float | None = None  # the customer's first signal has none
    lxi_after: float
    persona: str | None = None
    value_tier: str | None = None
    # what the alert rules look at
    nps: int | None = None
    csat: int | None = None
    ces: int | None = None
    # the survey's expectation pair (1-5, 5 = the best): perceived - expected, its gap
    expected: int | None = None
    perceived: int | None = None
    outcome: Outcome | None = None
    wait_over_threshold: bool = False
    # an interaction's wait and the threshold its touchpoint had when it was scored
    wait_seconds: float | None = None
    wait_threshold_seconds: float | None = None
    repeat_contact: bool = False
    transfers: int | None = None
    verbatim: Verbatim | None = Field(
        default=None, description="what the customer wrote, with its analysis"
    )
    source_received_at: UtcDatetime | None = source_received_at_field()

    @property
    def occurred(self) -> datetime:
        return self.occurred_at
