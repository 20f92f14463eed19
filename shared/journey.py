"""The journey map: journeys, their stages and touchpoints, departments and personas.

Owned by the actions service (``PUT /v1/journey-map``), published on the compacted topic
``cx.journey-map`` and applied by the other services without restart. ``JourneyMap``
validates a whole document; every cross-reference error names its field.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, ValidationError

from shared.events import topics
from shared.events.schemas import Channel, Event, Identifier, Slug, TimeZoneName, UtcDatetime
from shared.problems import coded_error
from shared.surveys import (
    LANGUAGES,
    Language,
    RelationshipProgram,
    ResolvedSurvey,
    SurveyQuestion,
    coded_survey_errors,
    resolve_survey,
)

Weight = Annotated[float, Field(gt=0, le=100)]
# The touchpoint id under which the relationship survey is decided and its detractors'
# tasks are kept; no touchpoint of a map may take it.
RELATIONSHIP = "relationship"
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Referent(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


_LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
_LOCAL_TIME_RULE = 'a local time, HH:MM or HH:MM:SS, without offset (in YAML, quoted: "08:00")'


def _local_time(value: Any) -> Any:
    """Only the written form the schema describes: pydantic would also take an offset
    (then compared with naive times: a crash) or a number of seconds (YAML reads an
    unquoted 18:00 as the base-60 integer 1080, which would become 00:18)."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and re.fullmatch(_LOCAL_TIME, value):
        return value
    raise coded_error("local_time_format", _LOCAL_TIME_RULE)


# A wall-clock time in a department's or customer's time zone, written HH:MM[:SS]. JSON
# Schema's "time" format is RFC 3339's, which requires an offset: it would not describe
# what is sent, nor what is answered.
LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {"type": "string", "pattern": _LOCAL_TIME, "description": _LOCAL_TIME_RULE.capitalize()}
    ),
]


class BusinessHours(_Doc):
    """Opening hours in the department's time zone; SLA clocks can run only inside them."""

    start: LocalTime = time(9, 0)
    end: LocalTime = time(18, 0)
    days: list[Weekday] = Field(
        default_factory=lambda: [Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI],
        min_length=1,
    )

    @model_validator(mode="after")
    def _start_before_end(self) -> BusinessHours:
        if self.start >= self.end:
            raise coded_error("start_not_before_end", "start must be before end")
        return self


class Department(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = "UTC"
    referents: list[Referent] = Field(default_factory=list)
    escalation_contact: Email | None = None
    business_hours: BusinessHours | None = Field(
        default=None, description="When set, task SLAs count only these hours."
    )


class Persona(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ValueTier(_Doc):
    id: Slug
    weight: Weight = 1.0


class Targets(_Doc):
    """The *intended* experience at a touchpoint."""

    nps: float | None = Field(
        default=None, ge=-100, le=100, description="% promoters - % detractors, -100 to 100"
    )
    csat: float | None = Field(default=None, ge=1, le=5, description="mean, 5 = very satisfied")
    ces: float | None = Field(
        default=None, ge=1, le=7, description="mean, 7 = very easy (higher is less effort)"
    )
    negative_rate: float | None = Field(
        default=None, ge=0, le=1, description="share of negative moments, 0 to 1 (lower is better)"
    )
    success_rate: float | None = Field(
        default=None, ge=0, le=1, description="share of successful interactions, 0 to 1"
    )


class TouchpointSurvey(_Doc):
    """How often a touchpoint may survey a customer (the contact policy's per-touchpoint part)
    and what its hosted survey asks (no questions: no hosted survey at this touchpoint)."""

    cooldown_days: float = Field(default=14, ge=0, le=365)
    sampling_rate: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="Share of customers invited; the same customer "
        "and touchpoint always get the same answer.",
    )
    questions: list[SurveyQuestion] = Field(default_factory=list)


Keyword = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[^\W_]", description="A word or phrase")
]


class Keywords(_Doc):
    """Words and phrases per language that name a topic in a customer's verbatim; the
    verbatim analyser matches them on lemmas ("livraison" also finds "livré", "livreur")."""

    fr: list[Keyword] = Field(default_factory=list, max_length=200)
    en: list[Keyword] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _no_duplicates(self) -> Keywords:
        for language in ("fr", "en"):
            words = [" ".join(k.lower().split()) for k in getattr(self, language)]
            repeated = sorted({w for w in words if words.count(w) > 1})
            if repeated:
                message = f"{language}: repeated keyword {repeated[0]!r}"
                raise coded_error(
                    "repeated_keyword", message, language=language, keyword=repeated[0]
                )
        return self


class Touchpoint(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    channels: list[Channel] = Field(min_length=1)
    weight: Weight = 1.0
    moment_of_truth: bool = False
    moment_of_pain: bool = False
    wait_threshold_seconds: float | None = Field(default=None, gt=0, le=30 * 86400)
    owner: Slug | None = Field(default=None, description="The department that owns it.")
    targets: Targets = Field(default_factory=Targets)
    survey: TouchpointSurvey = Field(default_factory=TouchpointSurvey)
    keywords: Keywords | None = Field(
        default=None, description="How customers name this touchpoint in their verbatims."
    )


class Stage(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    touchpoints: list[Slug] = Field(default_factory=list)


class Journey(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    stages: list[Stage] = Field(min_length=1)


class RootCause(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    keywords: Keywords | None = Field(
        default=None,
        description="How customers describe this irritant; verbatims that match suggest it.",
    )


class PriorityLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class PriorityThresholds(_Doc):
    medium: float = Field(default=3.0, ge=0)
    high: float = Field(default=8.0, ge=0)
    critical: float = Field(default=20.0, ge=0)


MAX_SLA_HOURS = 366 * 24


class TaskPolicy(_Doc):
    """How alert priorities become task priorities, and the time each has to be resolved.

    A task's level is the highest whose threshold its priority score reaches (the score is
    severity × value-tier weight × touchpoint weight); below every threshold it is low.
    """

    thresholds: PriorityThresholds = Field(default_factory=lambda: PriorityThresholds())
    sla_hours: dict[PriorityLevel, float] = Field(
        default_factory=lambda: {
            PriorityLevel.CRITICAL: 4.0,
            PriorityLevel.HIGH: 24.0,
            PriorityLevel.MEDIUM: 72.0,
            PriorityLevel.LOW: 168.0,
        }
    )

    @model_validator(mode="after")
    def _complete(self) -> TaskPolicy:
        missing = [level.value for level in PriorityLevel if level not in self.sla_hours]
        if missing:
            message = f"sla_hours needs every level; missing {', '.join(missing)}"
            raise coded_error("sla_hours_incomplete", message, missing=", ".join(missing))
        if any(not 0 < hours <= MAX_SLA_HOURS for hours in self.sla_hours.values()):
            message = f"sla_hours must be positive and at most {MAX_SLA_HOURS} (a year)"
            raise coded_error("sla_hours_out_of_range", message, le=MAX_SLA_HOURS)
        return self

    def level(self, score: float) -> PriorityLevel:
        if score >= self.thresholds.critical:
            return PriorityLevel.CRITICAL
        if score >= self.thresholds.high:
            return PriorityLevel.HIGH
        if score >= self.thresholds.medium:
            return PriorityLevel.MEDIUM
        return PriorityLevel.LOW

    def raised(self, level: PriorityLevel) -> PriorityLevel:
        """One level up (escalation); critical stays critical."""
        order = list(PriorityLevel)
        return order[min(order.index(level) + 1, len(order) - 1)]


class QuietHours(_Doc):
    """No survey between ``start`` and ``end`` in the customer's time zone (may span midnight)."""

    start: LocalTime = time(21, 0)
    end: LocalTime = time(8, 0)


class PersonaQuota(_Doc):
    persona: Slug
    period: Literal["day", "week", "month"] = "month"
    max_invitations: int = Field(ge=0)


class ContactPolicy(_Doc):
    """Rules against over-solicitation; the per-touchpoint part is each touchpoint's ``survey``."""

    survey_interval_days: float = Field(
        default=30, ge=0, le=365, description="At most one survey per customer in this many days."
    )
    quiet_hours: QuietHours | None = Field(default_factory=QuietHours)
    default_timezone: TimeZoneName = "UTC"
    persona_quotas: list[PersonaQuota] = Field(default_factory=list)
    recovery_survey: bool = Field(
        default=False, description="Invite the customer again once their task is resolved."
    )


class JourneyMap(_Doc):
    name: str = Field(min_length=1, max_length=200)
    journeys: list[Journey] = Field(default_factory=list)
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list, max_length=12)
    value_tiers: list[ValueTier] = Field(default_factory=list)
    root_causes: list[RootCause] = Field(default_factory=list)
    positive_negative_target: float = Field(
        default=3.0,
        gt=0,
        description="Positive moments wanted per negative one, at every touchpoint and for "
        "every persona (3: 3 : 1; leaders reach about 15 : 5).",
    )
    tasks: TaskPolicy = Field(default_factory=TaskPolicy)
    contact_policy: ContactPolicy = Field(default_factory=ContactPolicy)
    languages: list[Language] = Field(default_factory=lambda: list(LANGUAGES), min_length=1)
    default_language: Language = "fr"
    relationship: RelationshipProgram | None = None
    _by_id: dict[str, Touchpoint] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> JourneyMap:
        errors = [*self._duplicate_ids(), *self._unknown_references(), *self._survey_errors()]
        if errors:
            raise ValidationError.from_exception_data("JourneyMap", errors)
        return self

    def _duplicate_ids(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        lists: dict[str, list[Any]] = {
            "journeys": self.journeys,
            "touchpoints": self.touchpoints,
            "departments": self.departments,
            "personas": self.personas,
            "value_tiers": self.value_tiers,
            "root_causes": self.root_causes,
        }
        for name, items in lists.items():
            counts = Counter(item.id for item in items)
            errors += [
                _error((name, i, "id"), f"duplicate id {item.id!r}", "duplicate_id", id=item.id)
                for i, item in enumerate(items)
                if counts[item.id] > 1
            ]
        for j, journey in enumerate(self.journeys):
            counts = Counter(stage.id for stage in journey.stages)
            errors += [
                _error(
                    ("journeys", j, "stages", s, "id"),
                    f"duplicate stage {stage.id!r}",
                    "duplicate_stage",
                    id=stage.id,
                )
                for s, stage in enumerate(journey.stages)
                if counts[stage.id] > 1
            ]
        return errors

    def _unknown_references(self) -> list[InitErrorDetails]:
        touchpoints = {t.id for t in self.touchpoints}
        departments = {d.id for d in self.departments}
        errors = [
            _error(
                ("journeys", j, "stages", s, "touchpoints", k),
                f"unknown touchpoint {tp!r}",
                "unknown_touchpoint",
                id=tp,
            )
            for j, journey in enumerate(self.journeys)
            for s, stage in enumerate(journey.stages)
            for k, tp in enumerate(stage.touchpoints)
            if tp not in touchpoints
        ]
        for i, touchpoint in enumerate(self.touchpoints):
            owner = touchpoint.owner
            if owner is not None and owner not in departments:
                message = f"unknown department {touchpoint.owner!r}"
                errors.append(
                    _error(("touchpoints", i, "owner"), message, "unknown_department", id=owner)
                )
            elif touchpoint.owner is None and touchpoint.moment_of_truth:
                errors.append(
                    _error(
                        ("touchpoints", i, "owner"),
                        "a moment of truth needs an owning department",
                        "owner_required",
                    )
                )
        personas = {p.id for p in self.personas}
        errors += [
            _error(
                ("contact_policy", "persona_quotas", i, "persona"),
                f"unknown persona {q.persona!r}",
                "unknown_persona",
                id=q.persona,
            )
            for i, q in enumerate(self.contact_policy.persona_quotas)
            if q.persona not in personas
        ]
        return errors

    def _survey_errors(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        if len(set(self.languages)) != len(self.languages):
            errors.append(_error(("languages",), "each language once", "repeated_language"))
        if self.default_language not in self.languages:
            errors.append(
                _error(("default_language",), "must be one of languages", "not_a_map_language")
            )
        for i, touchpoint in enumerate(self.touchpoints):
            if touchpoint.id == RELATIONSHIP:
                message = f"{RELATIONSHIP!r} is reserved"
                errors.append(
                    _error(("touchpoints", i, "id"), message, "reserved_id", id=RELATIONSHIP)
                )
            prefix = ("touchpoints", i, "survey", "questions")
            found = coded_survey_errors(touchpoint.survey.questions, self.languages)
            errors += [
                _error((*prefix, *loc), message, code, **params)
                for loc, message, code, params in found
            ]
        if self.relationship is not None:
            errors += self._relationship_errors(self.relationship)
        return errors

    def _relationship_errors(self, program: RelationshipProgram) -> list[InitErrorDetails]:
        errors = [
            _error(("relationship", "questions", *loc), message, code, **params)
            for loc, message, code, params in coded_survey_errors(program.questions, self.languages)
        ]
        if program.owner not in {d.id for d in self.departments}:
            message = f"unknown department {program.owner!r}"
            errors.append(
                _error(("relationship", "owner"), message, "unknown_department", id=program.owner)
            )
        personas = {p.id for p in self.personas}
        errors += [
            _error(
                ("relationship", "personas", i),
                f"unknown persona {persona!r}",
                "unknown_persona",
                id=persona,
            )
            for i, persona in enumerate(program.personas)
            if persona not in personas
        ]
        return errors

    def survey(self, touchpoint_id: str | None) -> ResolvedSurvey | None:
        """The hosted survey of a touchpoint (``None``: the relationship survey), with every
        text in every language of the map; ``None`` when there is no such survey."""
        if touchpoint_id is None:
            questions = self.relationship.questions if self.relationship else []
        else:
            touchpoint = self.touchpoint(touchpoint_id)
            questions = touchpoint.survey.questions if touchpoint else []
        if not questions:
            return None
        return resolve_survey(questions, self.languages, self.default_language)

    def model_post_init(self, context: Any) -> None:
        self._by_id = {t.id: t for t in self.touchpoints}

    def touchpoint(self, touchpoint_id: str) -> Touchpoint | None:
        return self._by_id.get(touchpoint_id)

    def touchpoint_index(self) -> Mapping[str, Touchpoint]:
        """Touchpoints by id, for a loop that looks many up: each private-attribute read of
        a pydantic model costs a fallback ``__getattr__``."""
        return self._by_id

    def department(self, department_id: str) -> Department | None:
        return next((d for d in self.departments if d.id == department_id), None)

    def tier_weight(self, value_tier: str | None) -> float:
        """The value tier's weight; 1 for an unknown or missing tier."""
        return next((t.weight for t in self.value_tiers if t.id == value_tier), 1.0)

    def journey_touchpoints(self, journey_id: str) -> list[str] | None:
        for journey in self.journeys:
            if journey.id == journey_id:
                return [tp for stage in journey.stages for tp in stage.touchpoints]
        return None


def _error(
    location: tuple[str | int, ...], message: str, code: str, **params: Any
) -> InitErrorDetails:
    """A map-wide rule broken at ``location``."""
    return {"type": coded_error(code, message, **params), "loc": location, "input": None}


class JourneyMapPublished(Event):
    """A new version of the journey map; keyed ``journey-map`` on a compacted topic."""

    ce_type: ClassVar[str] = "cxloop.journey-map.published"
    topic: ClassVar[topics.Topic] = topics.JOURNEY_MAP
    KEY: ClassVar[str] = "journey-map"
    # a map's null is the committee's choice: `quiet_hours: null` turns quiet hours off
    omits_nulls: ClassVar[bool] = False

    customer_id: Identifier = "journey-map"  # the message key; not a customer
    version: int = Field(ge=1)
    published_at: UtcDatetime
    map: JourneyMap

    @property
    def occurred(self) -> datetime:
        return self.published_at
