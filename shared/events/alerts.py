"""Events of the alerts service: an alert raised or changed, published on ``cx.alerts`` and
sent to referents as webhooks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.events import topics
from shared.events.schemas import TERM_CHARS, Event, Verbatim, source_received_at_field
from shared.events.values import Identifier, Slug, UtcDatetime


class AlertRule(StrEnum):
    NEGATIVE_MOMENT_OF_TRUTH = "negative_moment_of_truth"
    MOMENT_OF_PAIN = "moment_of_pain"
    EXPERIENCE_DROP = "experience_drop"
    SYSTEMIC_SPIKE = "systemic_spike"
    EMERGING_IRRITANT = "emerging_irritant"


class AlertChange(StrEnum):
    RAISED = "raised"  # a new alert
    OCCURRENCE = "occurrence"  # a new negative added to an open alert
    RECOVERED = "recovered"  # a systemic spike or an emerging irritant that fell back


class AlertReason(BaseModel):
    """Why a rule fired: a stable code, the figures it names beside it, the same in words."""

    model_config = ConfigDict(extra="allow", frozen=True)

    code: str = Field(
        max_length=64,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="stable; each code's figures are fields beside it (docs/alerts.md)",
    )
    text: str = Field(
        max_length=1000,
        description="the reason in English words: what a reader that does not know the code "
        "(an older reader, a newer rule) shows",
    )


def alert_reason(code: str, text: str, **figures: int | float | str) -> AlertReason:
    return AlertReason.model_validate({"code": code, "text": text, **figures})


class AlertChanged(Event):
    """An alert raised or changed by the alerts service (published on ``cx.alerts``).

    Customer alerts are keyed by customer id; committee-level (systemic) alerts by
    ``touchpoint:<id>``. ``event_id`` is ``alert:<alert id>:<change number>``.
    """

    ce_type: ClassVar[str] = "cxloop.alert.changed"
    topic: ClassVar[topics.Topic] = topics.ALERTS

    alert_id: str = Field(min_length=1, max_length=64)
    change: AlertChange
    rule: AlertRule
    level: str = Field(pattern="^(customer|committee)$")
    touchpoint: Slug | None = None
    department: Slug | None = None
    referent: Slug | None = None
    severity: int = Field(ge=1, le=5)
    priority: float = Field(ge=0)
    occurrences: int = Field(ge=1)
    moment_ids: list[Identifier] = Field(default_factory=list, max_length=50)
    summary: str = Field(max_length=1000)
    summary_reasons: list[AlertReason] = Field(
        default_factory=list,
        max_length=20,
        description="the reasons ``summary`` states, each with its code and figures (none from "
        "a producer older than the codes)",
    )
    persona: str | None = None
    value_tier: str | None = None
    lxi: float | None = None
    term: str | None = Field(
        default=None, max_length=TERM_CHARS, description="emerging_irritant: the rising term"
    )
    verbatims: list[Verbatim] = Field(
        default_factory=list,
        max_length=50,
        description="what the customer wrote in the moments of this change (customer alerts)",
    )
    changed_at: UtcDatetime
    source_received_at: UtcDatetime | None = source_received_at_field()

    @property
    def occurred(self) -> datetime:
        return self.changed_at

    @property
    def webhook_type(self) -> str:
        return f"alert.{self.change.value}"
