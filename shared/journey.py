"""The journey map: journeys, their stages and touchpoints, departments and personas.

Owned by the actions service (``PUT /v1/journey-map``), published on the compacted topic
``cx.journey-map`` and applied by the other services without restart. ``JourneyMap``
validates a whole document; every cross-reference error names its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import (
    Field,
    PrivateAttr,
    model_validator,
)
from pydantic_core import InitErrorDetails, ValidationError

from shared.events import topics
from shared.events.schemas import Channel, Event
from shared.events.values import Identifier, Slug, TimeZoneName, UtcDatetime
from shared.journey_ids import Location, id_errors, map_error, map_ids
from shared.journey_policies import BusinessHours, ContactPolicy, MapPart, TaskPolicy
from shared.problems import coded_error
from shared.surveys import (
    LANGUAGES,
    TITLE_DESCRIPTION,
    Language,
    RelationshipProgram,
    ResolvedSurvey,
    SurveyQuestion,
    SurveyTitle,
    coded_survey_errors,
    default_title,
    resolve_survey,
    translation_errors,
)

Weight = Annotated[float, Field(gt=0, le=100)]
# The touchpoint id under which the relationship survey is decided and its detractors'
# tasks are kept; no touchpoint of a map may take it.
RELATIONSHIP = "relationship"
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class Referent(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None


class Department(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = "UTC"
    referents: list[Referent] = Field(default_factory=list)
    escalation_contact: Email | None = None
    business_hours: BusinessHours | None = Field(
        default=None, description="When set, task SLAs count only these hours."
    )


class Persona(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ValueTier(MapPart):
    id: Slug
    name: str | None = Field(
        default=None, min_length=1, max_length=200, description="as people say it; none: the id"
    )
    weight: Weight = 1.0


class Targets(MapPart):
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


class TouchpointSurvey(MapPart):
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
    title: SurveyTitle = Field(default_factory=dict, description=TITLE_DESCRIPTION)
    questions: list[SurveyQuestion] = Field(default_factory=list)


Keyword = Annotated[
    str, Field(min_length=1, max_length=100, pattern=r"^[^\W_]", description="A word or phrase")
]


class Keywords(MapPart):
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


class Touchpoint(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    channels: list[Channel] = Field(min_length=1)
    weight: Weight = 1.0
    moment_of_truth: bool = False
    moment_of_pain: bool = False
    wait_threshold_seconds: float | None = Field(default=None, gt=0, le=30 * 86400)
    repeat_contacts: bool = Field(
        default=True,
        strict=True,
        description="Whether an interaction here within the repeat window of an earlier one "
        "is a repeat contact (valence -0.5): true where the customer comes back for help (a "
        "call, a chat), false where coming back is no effort (browsing, buying again, a "
        "delivery, a message the company sends).",
    )
    owner: Slug | None = Field(default=None, description="The department that owns it.")
    targets: Targets = Field(default_factory=Targets)
    survey: TouchpointSurvey = Field(default_factory=TouchpointSurvey)
    keywords: Keywords | None = Field(
        default=None, description="How customers name this touchpoint in their verbatims."
    )


class Stage(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    touchpoints: list[Slug] = Field(default_factory=list)


class Journey(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    stages: list[Stage] = Field(min_length=1)


class RootCause(MapPart):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    keywords: Keywords | None = Field(
        default=None,
        description="How customers describe this irritant; verbatims that match suggest it.",
    )


class JourneyMap(MapPart):
    name: str = Field(min_length=1, max_length=200)
    organisation: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Who asks, as customers know it: named in the banner, the title and the "
        "opening line of every hosted survey page (none: SURVEY_ORGANISATION, else no name).",
    )
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
        errors = [*id_errors(map_ids(self, checked=True)), *self._survey_errors()]
        if errors:
            raise ValidationError.from_exception_data("JourneyMap", errors)
        return self

    def _survey_errors(self) -> list[InitErrorDetails]:
        errors: list[InitErrorDetails] = []
        if len(set(self.languages)) != len(self.languages):
            errors.append(map_error(("languages",), "each language once", "repeated_language"))
        if self.default_language not in self.languages:
            errors.append(
                map_error(("default_language",), "must be one of languages", "not_a_map_language")
            )
        for i, touchpoint in enumerate(self.touchpoints):
            if touchpoint.id == RELATIONSHIP:
                message = f"{RELATIONSHIP!r} is reserved"
                errors.append(
                    map_error(("touchpoints", i, "id"), message, "reserved_id", id=RELATIONSHIP)
                )
            errors += self._program_errors(("touchpoints", i, "survey"), touchpoint.survey)
        if self.relationship is not None:
            errors += self._program_errors(("relationship",), self.relationship)
        return errors

    def _program_errors(
        self, location: Location, program: TouchpointSurvey | RelationshipProgram
    ) -> list[InitErrorDetails]:
        """A survey's questions' and title's errors, located under ``location``."""
        return [
            map_error((*location, part, *loc), message, code, **params)
            for part, found in (
                ("questions", coded_survey_errors(program.questions, self.languages)),
                ("title", translation_errors(program.title, self.languages)),
            )
            for loc, message, code, params in found
        ]

    def survey(self, touchpoint_id: str | None) -> ResolvedSurvey | None:
        """The hosted survey of a touchpoint (``None``: the relationship survey), with every
        text in every language of the map; ``None`` when there is no such survey."""
        if touchpoint_id is None:
            questions = self.relationship.questions if self.relationship else []
            given, name = self.relationship.title if self.relationship else {}, None
        else:
            touchpoint = self.touchpoint(touchpoint_id)
            questions = touchpoint.survey.questions if touchpoint else []
            given = touchpoint.survey.title if touchpoint else {}
            name = touchpoint.name if touchpoint else touchpoint_id
        if not questions:
            return None
        title = {lang: given.get(lang) or default_title(lang, name) for lang in self.languages}
        return resolve_survey(
            questions, self.languages, self.default_language, title, self.organisation
        )

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
