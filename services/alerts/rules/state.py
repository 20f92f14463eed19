"""What a batch of moments reads and changes, held in memory between one load and one save."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row

from services.alerts.rules.models import AlertStatus
from services.alerts.rules.rulebook import EmergingIrritantRule
from services.alerts.rules.triggers import LxiStep
from shared.emerging import TermCounts
from shared.events.alerts import AlertChanged, AlertReason

AlertKey = tuple[str | None, str]  # (customer id or None for a committee alert, dedupe key)


@dataclass
class Alert:
    id: str
    rule: str
    level: str
    dedupe_key: str
    customer_id: str | None
    touchpoint: str | None
    department: str | None
    referent: str | None
    severity: int
    priority: float
    status: str
    occurrences: int
    first_at: datetime
    last_at: datetime
    changes: int
    summary: str
    persona: str | None
    value_tier: str | None
    lxi: float | None
    term: str | None = None  # an emerging irritant's term
    # the reasons the summary states, coded (none on an alert stored before the codes)
    summary_reasons: list[AlertReason] = field(default_factory=list)
    stored: bool = True  # False: raised by this batch

    @classmethod
    def from_row(cls, row: Row[Any]) -> Alert:
        values = dict(row._mapping)
        coded = values["summary_reasons"] or []
        values["summary_reasons"] = [AlertReason.model_validate(r) for r in coded]
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name != "stored"})

    def as_row(self) -> dict[str, Any]:
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "stored"}
        row["summary_reasons"] = [r.model_dump(mode="json") for r in self.summary_reasons]
        return row

    @property
    def key(self) -> AlertKey:
        return (self.customer_id, self.dedupe_key)

    def open_at(self, at: datetime, lifetime: timedelta) -> bool:
        """Whether a moment at ``at`` joins this alert rather than raising a new one."""
        return self.status == AlertStatus.OPEN and at <= self.last_at + lifetime


@dataclass
class TermDays:
    """A touchpoint's verbatims per UTC day, and those holding each term (as loaded for the
    batch, plus what it counted)."""

    verbatims: dict[str, dict[date, int]] = field(default_factory=dict)  # per touchpoint
    terms: dict[tuple[str, str], dict[date, int]] = field(default_factory=dict)
    verbatim_deltas: dict[tuple[str, date], int] = field(default_factory=dict)
    term_deltas: dict[tuple[str, str, date], int] = field(default_factory=dict)
    # the touchpoint's verbatims per (touchpoint, recent from, baseline from), until a count
    _totals: dict[tuple[str, date, date], tuple[int, int]] = field(default_factory=dict)

    def count(self, touchpoint: str, day: date, terms: Sequence[str]) -> None:
        """One more verbatim of ``touchpoint`` on ``day``, holding ``terms``."""
        self._totals.clear()
        days = self.verbatims.setdefault(touchpoint, {})
        days[day] = days.get(day, 0) + 1
        key = (touchpoint, day)
        self.verbatim_deltas[key] = self.verbatim_deltas.get(key, 0) + 1
        for term in dict.fromkeys(terms):
            held = self.terms.setdefault((touchpoint, term), {})
            held[day] = held.get(day, 0) + 1
            self.term_deltas[(touchpoint, term, day)] = (
                self.term_deltas.get((touchpoint, term, day), 0) + 1
            )

    def recent(self, touchpoint: str, term: str, day: date, rule: EmergingIrritantRule) -> int:
        """Verbatims holding ``term`` in the ``rule.recent_days`` days ending ``day``."""
        held = self.terms.get((touchpoint, term), {})
        return sum(held.get(day - timedelta(days=i), 0) for i in range(rule.recent_days))

    def counts(
        self, touchpoint: str, term: str, day: date, rule: EmergingIrritantRule
    ) -> TermCounts:
        """The recent period: the ``recent_days`` days ending ``day``; the baseline: the
        ``baseline_days`` days before it."""
        first = day - timedelta(days=rule.recent_days - 1)
        before = first - timedelta(days=rule.baseline_days)
        key = (touchpoint, first, before)
        if key not in self._totals:  # the same for every term of a moment
            self._totals[key] = _split(self.verbatims.get(touchpoint, {}), before, first, day)
        recent, base = _split(self.terms.get((touchpoint, term), {}), before, first, day)
        return TermCounts(recent, self._totals[key][0], base, self._totals[key][1])


def _split(days: dict[date, int], before: date, first: date, last: date) -> tuple[int, int]:
    """The sums over [first, last] and over [before, first)."""
    recent = base = 0
    for day, n in days.items():
        if first <= day <= last:
            recent += n
        elif before <= day < first:
            base += n
    return recent, base


@dataclass
class BatchState:
    open_alerts: dict[AlertKey, Alert]  # the newest open alert per key
    steps: dict[str, list[LxiStep]]  # per customer
    buckets: dict[str, dict[datetime, list[int]]]  # per touchpoint: minute → [total, negatives]
    term_days: TermDays = field(default_factory=TermDays)
    touched: dict[str, Alert] = field(default_factory=dict)
    alert_moments: list[dict[str, Any]] = field(default_factory=list)
    alert_changes: list[dict[str, Any]] = field(default_factory=list)
    new_steps: list[dict[str, Any]] = field(default_factory=list)
    bucket_deltas: dict[tuple[str, datetime], list[int]] = field(default_factory=dict)
    events: list[AlertChanged] = field(default_factory=list)

    # window sums already computed: touchpoint → (end minute, seconds) → [total, negatives]
    _sums: dict[str, dict[tuple[datetime, int], list[int]]] = field(default_factory=dict)

    def count(self, touchpoint: str, minute: datetime, negative: bool) -> None:
        counted = [
            self.buckets.setdefault(touchpoint, {}).setdefault(minute, [0, 0]),
            self.bucket_deltas.setdefault((touchpoint, minute), [0, 0]),
        ]
        for (end, seconds), sums in self._sums.get(touchpoint, {}).items():
            if _start(end, seconds) <= minute <= end:
                counted.append(sums)
        for counts in counted:
            counts[0] += 1
            counts[1] += negative

    def window(self, touchpoint: str, end: datetime, seconds: int) -> tuple[int, int]:
        """Moments and negatives of ``touchpoint`` in the minutes of ``seconds`` ending ``end``."""
        sums = self._sums.setdefault(touchpoint, {})
        if (end, seconds) not in sums:
            start = _start(end, seconds)
            counts = [c for m, c in self.buckets.get(touchpoint, {}).items() if start <= m <= end]
            sums[(end, seconds)] = [sum(c[0] for c in counts), sum(c[1] for c in counts)]
        total, negatives = sums[(end, seconds)]
        return total, negatives


def _start(end: datetime, seconds: int) -> datetime:
    return end - timedelta(seconds=seconds) + timedelta(minutes=1)


def minute_of(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)
