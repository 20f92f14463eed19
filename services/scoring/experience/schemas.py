from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class VerbatimRead(BaseModel):
    """What the customer wrote (redacted at ingest, in full) and its analysis."""

    text: str
    language: str = Field(description="fr, en or und (undetermined)")
    sentiment: float = Field(description="in [-1, 1]; the valence of a response without scores")
    sentiment_class: str
    emotions: dict[str, float]
    topics: list[dict[str, Any]] = Field(description="root causes and touchpoints it names")


class TouchpointValence(BaseModel):
    touchpoint: str
    valence: float
    occurred_at: datetime
    event_id: str


class Contribution(BaseModel):
    """One signal's share of today's score: why the LXI is where it is."""

    event_id: str
    source: str
    touchpoint: str | None
    occurred_at: datetime
    age_days: float
    valence: float
    weight: float = Field(description="touchpoint weight × moment-of-truth factor × kind")
    effective_weight: float = Field(description="weight × 2^(−age/half-life)")
    share: float = Field(description="effective weight / total effective weight")
    points: float = Field(description="LXI points this signal adds (negative: removes) vs 50")
    verbatim: VerbatimRead | None = None


class OtherSignals(BaseModel):
    """The customer's signals the ledger does not list, together: with the listed ones, their
    points add up to LXI − 50."""

    signals: int = Field(description="how many valued signals are not listed")
    share: float = Field(description="their part of the total effective weight")
    points: float = Field(description="LXI points they add together (negative: remove) vs 50")


class Experience(BaseModel):
    customer_id: str
    lxi: float | None = Field(description="Lived Experience Index, 0–100; null before any signal")
    signals: int
    positives: int
    negatives: int
    positive_negative_ratio: float | None = Field(description="positives per negative")
    last_nps: int | None
    last_nps_class: str | None
    persona: str | None
    value_tier: str | None
    touchpoints: list[TouchpointValence]
    contributions: list[Contribution] = Field(
        description="the signals that weigh most today, heaviest first (at most 10)"
    )
    other_signals: OtherSignals | None = Field(
        description="the signals not listed, together; null when every one is listed"
    )


class TimelineEntry(BaseModel):
    event_id: str
    source: str
    touchpoint: str | None
    occurred_at: datetime
    valence: float
    weight: float
    polarity: str
    moment_of_truth: bool
    lxi_after: float = Field(description="LXI once this signal counts, in occurrence order")
    verbatim: VerbatimRead | None = None


class Timeline(BaseModel):
    customer_id: str
    entries: list[TimelineEntry]
    next_cursor: str | None
