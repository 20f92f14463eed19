"""Bodies and query parameters of the alerts and alert-rules API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from services.alerts.rules.models import AlertStatus
from services.alerts.rules.rulebook import RuleSet
from shared.events.alerts import AlertChange, AlertReason, AlertRule
from shared.events.schemas import Verbatim

# an alert stored before the codes has none: its summary's text is all there is
SummaryReasons = Annotated[
    list[AlertReason],
    BeforeValidator(lambda value: value or []),
    Field(
        default_factory=list,
        description="the reasons ``summary`` states, each with its ``code``, the figures the "
        "code names and its ``text``; empty on an alert stored before the codes",
    ),
]


class AlertFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AlertStatus | None = None
    rule: AlertRule | None = None
    level: Literal["customer", "committee"] | None = None
    department: str | None = Field(default=None, max_length=64)
    touchpoint: str | None = Field(default=None, max_length=64)
    customer_id: str | None = Field(default=None, max_length=128)
    persona: str | None = Field(default=None, max_length=64)
    min_priority: float | None = Field(default=None, ge=0)
    cursor: str | None = Field(default=None, max_length=500, description="next_cursor, as given")
    limit: int = Field(default=50, ge=1, le=200)


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    rule: AlertRule
    level: str = Field(
        description="customer, or committee for a systemic spike or an emerging irritant"
    )
    status: AlertStatus
    customer_id: str | None = Field(description="null for a committee alert")
    touchpoint: str | None
    department: str | None = Field(description="the touchpoint's owner in the journey map")
    referent: str | None = Field(description="the department's first referent")
    severity: int = Field(ge=1, le=5)
    priority: float = Field(description="severity × value-tier weight × touchpoint weight")
    occurrences: int
    first_at: datetime = Field(description="when it was raised (the moment's time)")
    last_at: datetime = Field(description="its latest change (the moment's time)")
    summary: str = Field(description="in English words: the rule, the touchpoint, the reasons")
    summary_reasons: SummaryReasons
    persona: str | None
    value_tier: str | None
    lxi: float | None = Field(description="the customer's LXI after the latest moment")
    term: str | None = Field(default=None, description="an emerging irritant's term")


class AlertPage(BaseModel):
    items: list[AlertRead]
    next_cursor: str | None


class AlertMomentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    moment_id: str
    change: int = Field(description="the number of the change it made")
    customer_id: str
    touchpoint: str | None
    occurred_at: datetime
    valence: float
    details: dict[str, Any] = Field(
        description="what the rules saw, and why they fired: ``reasons`` in English words, "
        "``coded_reasons`` the same as objects with their ``code``, figures and ``text`` "
        "(absent on a moment stored before the codes)"
    )


class AlertChangeRead(BaseModel):
    number: int
    change: AlertChange
    changed_at: datetime
    moment_id: str
    severity: int
    priority: float
    occurrences: int
    summary: str
    summary_reasons: SummaryReasons


class AlertDetail(AlertRead):
    moments: list[AlertMomentRead] = Field(description="the moments that caused it, oldest first")
    verbatims: list[Verbatim] = Field(
        description="what the customer wrote in those moments (redacted, cut at 2,000 "
        "characters), with its analysis; none on a committee alert"
    )
    changes: list[AlertChangeRead] = Field(description="as published on cx.alerts, in order")


class EffectiveRules(BaseModel):
    defaults: RuleSet
    touchpoints: dict[str, RuleSet] = Field(
        description="every touchpoint of the journey map, and any other the document names"
    )


class AlertRulesRead(BaseModel):
    version: int = Field(ge=0, description="0: no document stored, the settings alone")
    created_at: datetime | None = None
    created_by: str | None = None
    document: dict[str, Any] = Field(description="the stored overrides, as given")
    effective: EffectiveRules
