"""The journey map: journeys, their stages and touchpoints, departments and personas.

Owned by the actions service (``PUT /v1/journey-map``), published on the compacted topic
``cx.journey-map`` and applied by the other services without restart. ``JourneyMap``
validates a whole document; every cross-reference error names its field.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError, ValidationError

from shared.events import topics
from shared.events.envelope import register
from shared.events.schemas import Channel, Event, Identifier, Slug, TimeZoneName, UtcDatetime

Weight = Annotated[float, Field(gt=0, le=100)]
Email = Annotated[str, Field(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Referent(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    email: Email | None = None


class Department(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    timezone: TimeZoneName = "UTC"
    referents: list[Referent] = Field(default_factory=list)
    escalation_contact: Email | None = None


class Persona(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)


class ValueTier(_Doc):
    id: Slug
    weight: Weight = 1.0


class Targets(_Doc):
    """The *intended* experience at a touchpoint."""

    nps: float | None = Field(default=None, ge=-100, le=100)
    csat: float | None = Field(default=None, ge=1, le=5, description="mean, 5 = very satisfied")
    ces: float | None = Field(default=None, ge=1, le=7, description="mean, 7 = very easy")
    negative_rate: float | None = Field(default=None, ge=0, le=1)
    success_rate: float | None = Field(default=None, ge=0, le=1)


class Touchpoint(_Doc):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    channels: list[Channel] = Field(min_length=1)
    weight: Weight = 1.0
    moment_of_truth: bool = False
    moment_of_pain: bool = False
    wait_threshold_seconds: float | None = Field(default=None, gt=0)
    owner: Slug | None = Field(default=None, description="The department that owns it.")
    targets: Targets = Field(default_factory=Targets)


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


class JourneyMap(_Doc):
    name: str = Field(min_length=1, max_length=200)
    journeys: list[Journey] = Field(default_factory=list)
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    departments: list[Department] = Field(default_factory=list)
    personas: list[Persona] = Field(default_factory=list, max_length=12)
    value_tiers: list[ValueTier] = Field(default_factory=list)
    root_causes: list[RootCause] = Field(default_factory=list)
    _by_id: dict[str, Touchpoint] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _check_references(self) -> JourneyMap:
        errors = [*self._duplicate_ids(), *self._unknown_references()]
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
                _error((name, i, "id"), f"duplicate id {item.id!r}")
                for i, item in enumerate(items)
                if counts[item.id] > 1
            ]
        for j, journey in enumerate(self.journeys):
            counts = Counter(stage.id for stage in journey.stages)
            errors += [
                _error(("journeys", j, "stages", s, "id"), f"duplicate stage {stage.id!r}")
                for s, stage in enumerate(journey.stages)
                if counts[stage.id] > 1
            ]
        return errors

    def _unknown_references(self) -> list[InitErrorDetails]:
        touchpoints = {t.id for t in self.touchpoints}
        departments = {d.id for d in self.departments}
        errors = [
            _error(("journeys", j, "stages", s, "touchpoints", k), f"unknown touchpoint {tp!r}")
            for j, journey in enumerate(self.journeys)
            for s, stage in enumerate(journey.stages)
            for k, tp in enumerate(stage.touchpoints)
            if tp not in touchpoints
        ]
        for i, touchpoint in enumerate(self.touchpoints):
            if touchpoint.owner is not None and touchpoint.owner not in departments:
                errors.append(
                    _error(("touchpoints", i, "owner"), f"unknown department {touchpoint.owner!r}")
                )
            elif touchpoint.owner is None and touchpoint.moment_of_truth:
                errors.append(
                    _error(
                        ("touchpoints", i, "owner"),
                        "a moment of truth needs an owning department",
                    )
                )
        return errors

    def model_post_init(self, context: Any) -> None:
        self._by_id = {t.id: t for t in self.touchpoints}

    def touchpoint(self, touchpoint_id: str) -> Touchpoint | None:
        return self._by_id.get(touchpoint_id)

    def journey_touchpoints(self, journey_id: str) -> list[str] | None:
        for journey in self.journeys:
            if journey.id == journey_id:
                return [tp for stage in journey.stages for tp in stage.touchpoints]
        return None


def _error(location: tuple[str | int, ...], message: str) -> InitErrorDetails:
    return {
        "type": PydanticCustomError("journey_map", message),
        "loc": location,
        "input": None,
    }


@register
class JourneyMapPublished(Event):
    """A new version of the journey map; keyed ``journey-map`` on a compacted topic."""

    ce_type: ClassVar[str] = "cxloop.journey-map.published"
    topic: ClassVar[topics.Topic] = topics.JOURNEY_MAP
    KEY: ClassVar[str] = "journey-map"

    customer_id: Identifier = "journey-map"  # the message key; not a customer
    version: int = Field(ge=1)
    published_at: UtcDatetime
    map: JourneyMap

    @property
    def occurred(self) -> datetime:
        return self.published_at
