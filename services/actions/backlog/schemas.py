"""Bodies and query parameters of the backlog and root-cause report API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from services.actions.backlog.impact import ImpactSource
from services.actions.backlog.models import ItemStatus
from shared.events.values import Slug, UtcDatetime

AS_OF = "End of the impact window (default: now); the window is the 90 UTC days ending that day."


class BacklogFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ItemStatus | None = None
    touchpoint: list[str] = Field(
        default_factory=list, max_length=100, description="repeat for several touchpoints"
    )
    department: str | None = Field(default=None, max_length=64)
    as_of: UtcDatetime | None = Field(default=None, description=AS_OF)
    cursor: str | None = Field(default=None, max_length=500, description="next_cursor, as given")
    limit: int = Field(default=50, ge=1, le=200)


class QuickWinFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    touchpoint: list[str] = Field(
        default_factory=list, max_length=100, description="repeat for several touchpoints"
    )
    department: str | None = Field(default=None, max_length=64)
    as_of: UtcDatetime | None = Field(default=None, description=AS_OF)


class RootCauseFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True)

    from_: UtcDatetime | None = Field(
        default=None, alias="from", description="tasks opened at or after"
    )
    to: UtcDatetime | None = Field(default=None, description="tasks opened before")
    touchpoint: str | None = Field(default=None, max_length=64)
    department: str | None = Field(default=None, max_length=64)


class TierPartRead(BaseModel):
    value_tier: str | None = Field(description="null: customers without a value tier")
    negatives: int
    weight: float = Field(description="the tier's weight in the journey map (unknown: 1)")
    value: float = Field(description="negatives × weight")


class ImpactRead(BaseModel):
    value: float = Field(description="Σ negatives × value-tier weight over the window")
    source: ImpactSource = Field(
        description="negative_moments: the touchpoint's negative moments (no root cause); "
        "task_occurrences: the occurrences of the tasks carrying the root cause; "
        "term_moments: the negative moments whose verbatim holds the term"
    )
    negatives: int = Field(description="the negative volume: moments, or task occurrences")
    tasks: int | None = Field(description="tasks counted (root-cause items only)")
    window_start: datetime = Field(description="00:00 UTC of the window's first day")
    window_end: datetime = Field(description="as_of")
    by_value_tier: list[TierPartRead]


class SpikeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    alert_id: str
    raised_at: datetime
    recovered_at: datetime | None = Field(description="null while the spike lasts")
    occurrences: int


class BacklogItemRead(BaseModel):
    id: str
    touchpoint: str
    root_cause: str | None = Field(
        description="null: the touchpoint's systemic item, or an emerging irritant's"
    )
    term: str | None = Field(description="an emerging irritant's term (origin emerging_irritant)")
    origin: str = Field(description="systemic_spike, recurring_root_cause or emerging_irritant")
    department: str | None
    status: ItemStatus
    effort: int | None = Field(description="1 (trivial) to 5, set by the committee")
    notes: str | None
    impact: ImpactRead
    score: float | None = Field(description="impact / effort; null without effort")
    last_spike: SpikeRead | None
    spikes: int = Field(description="systemic spikes recorded at the touchpoint")
    created_at: datetime
    updated_at: datetime
    updated_by: str
    closed_at: datetime | None = Field(description="when it became done or dismissed")


class BacklogPage(BaseModel):
    as_of: datetime
    items: list[BacklogItemRead]
    next_cursor: str | None = Field(description="the next page, with the same as_of")


class QuickWins(BaseModel):
    as_of: datetime
    max_effort: int
    top_share: float
    open_items: int = Field(description="open items ranked (those matching the filters)")
    impact_cutoff: float | None = Field(
        description="the impact of the item ranked ⌈open_items × top_share⌉; null: none open"
    )
    items: list[BacklogItemRead]


class BacklogItemUpdate(BaseModel):
    """Fields left out stay as they are; ``effort``, ``notes`` and ``department`` may be
    set to null."""

    model_config = ConfigDict(extra="forbid")

    effort: int | None = Field(default=None, ge=1, le=5, strict=True)
    status: ItemStatus | None = None
    notes: str | None = Field(default=None, max_length=5000)
    department: Slug | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status_not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("status cannot be null")
        return value

    @model_validator(mode="after")
    def _something(self) -> BacklogItemUpdate:
        if not self.model_fields_set:
            raise ValueError("give at least one of effort, status, notes, department")
        return self


def _check_term(value: str) -> str:
    words = value.split(" ")
    if len(words) > MAX_TERM_WORDS or not all(_is_word(w) for w in words):
        raise ValueError("a term is one or two lower-case words separated by one space")
    return value


def _is_word(word: str) -> bool:
    letters = word.replace("-", "").replace("'", "")
    return bool(letters) and letters.isalpha() and word == word.lower()


MAX_TERM_WORDS = 2
Term = Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_check_term)]


class CandidateItemCreate(BaseModel):
    """An emerging irritant the committee takes up: a candidate term of
    ``GET /v1/reports/emerging-irritants`` (scoring) or of an ``emerging_irritant`` alert."""

    model_config = ConfigDict(extra="forbid")

    touchpoint: Slug
    term: Term = Field(description='as the candidate gives it: "promo code", "appli"')
    department: Slug | None = Field(
        default=None, description="the owner; default: the touchpoint's in the journey map"
    )
    notes: str | None = Field(default=None, max_length=5000)


class RootCauseLine(BaseModel):
    root_cause: str | None = Field(description="null: the tasks without a root cause")
    name: str = Field(description="the root cause's name in the journey map, or 'unassigned'")
    tasks: int
    occurrences: int
    impact: float = Field(description="Σ occurrences × value-tier weight")
    share: float = Field(description="of the total impact, 0 to 1")
    cumulative_share: float = Field(description="this line and those above; the last is 1")


class RootCauseReport(BaseModel):
    from_: datetime | None = Field(serialization_alias="from")
    to: datetime | None
    touchpoint: str | None
    department: str | None
    tasks: int
    impact: float
    root_causes: list[RootCauseLine]
