"""The journey map's policies: a department's business hours (the clock of task SLAs), the
task policy (priorities and their SLAs) and the contact policy (against over-solicitation).

Parts of the document :class:`shared.journey.JourneyMap` validates; each is also used on its
own by the service that applies it (actions' SLA clock, escalation, contact decisions).
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from shared.events.values import Slug, TimeZoneName
from shared.problems import coded_error


class MapPart(BaseModel):
    """A part of the journey map document: frozen, and no field it does not name."""

    model_config = ConfigDict(extra="forbid", frozen=True)


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


class BusinessHours(MapPart):
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


class PriorityLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class PriorityThresholds(MapPart):
    medium: float = Field(default=3.0, ge=0)
    high: float = Field(default=8.0, ge=0)
    critical: float = Field(default=20.0, ge=0)


MAX_SLA_HOURS = 366 * 24


class TaskPolicy(MapPart):
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


class QuietHours(MapPart):
    """No survey between ``start`` and ``end`` in the customer's time zone (may span midnight)."""

    start: LocalTime = time(21, 0)
    end: LocalTime = time(8, 0)


class PersonaQuota(MapPart):
    persona: Slug
    period: Literal["day", "week", "month"] = "month"
    max_invitations: int = Field(ge=0)


class ContactPolicy(MapPart):
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
