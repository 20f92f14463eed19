"""The rows the experience writes and reads, typed: each is a plain dict at run time, so
the COPY of signals and the array writes take them as they are."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypedDict


class SignalRow(TypedDict):
    """A row of ``signal``: one evaluated signal."""

    event_id: str
    customer_id: str
    source: str  # survey | interaction
    touchpoint: str | None
    known_touchpoint: bool
    channel: str | None
    occurred_at: datetime
    valence: float | None  # None: a response with only a verbatim
    weight: float
    polarity: int  # -1, 0, 1
    moment_of_truth: bool
    moment_of_pain: bool
    outcome: str | None
    wait_over: bool
    repeat_contact: bool
    transfers: int | None
    nps: int | None
    csat: int | None
    ces: int | None
    employee_ease: int | None
    interaction_event_id: str | None
    lxi_before: float | None
    lxi_after: float | None
    persona: str | None
    value_tier: str | None
    employee_id: str | None  # who handled an interaction
    expected: int | None  # a survey's expectation pair
    perceived: int | None
    wait_seconds: float | None  # an interaction's wait, and the threshold it was judged by
    wait_threshold_seconds: float | None


class RevaluedRow(TypedDict):
    """A stored signal made a repeat contact by an earlier one that arrived later."""

    event_id: str
    valence: float
    polarity: int


class LatestRow(TypedDict):
    """A row of ``touchpoint_latest``: a customer's newest signal at a touchpoint."""

    customer_id: str
    touchpoint: str
    event_id: str
    occurred_at: datetime
    valence: float | None


class DayRow(TypedDict):
    """A row of ``touchpoint_day``: what one batch adds to a day's counters (see COUNTERS)."""

    touchpoint: str
    day: date
    channel: str
    persona: str
    known_touchpoint: bool
    signals: float
    positives: float
    negatives: float
    valence_sum: float
    promoters: float
    passives: float
    detractors: float
    csat_n: float
    csat_sum: float
    csat_satisfied: float
    ces_n: float
    ces_sum: float
    gap_n: float
    expected_sum: float
    perceived_sum: float
    c2es_n: float
    customer_ease_sum: float
    employee_ease_sum: float
    interactions: float
    successes: float
    failures: float
    abandoned: float
    waits_known: float
    waits_over: float
