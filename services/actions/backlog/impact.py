"""The backlog's arithmetic, without I/O: impact windows, impact, ordering, quick wins, Pareto.

Weights come from the journey map when the numbers are read (``tier_weight``: 1 for a tier
the map does not know), so tasks and moments are weighed alike and a new map applies at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol, TypeVar

TierWeight = Callable[[str | None], float]
PRECISION = 6  # impacts are rounded so equal sums compare equal


@dataclass(frozen=True)
class Window:
    """The ``days`` UTC days ending with ``end``'s day: from 00:00 of the first day to ``end``."""

    start: datetime
    end: datetime

    @classmethod
    def ending(cls, as_of: datetime, days: int) -> Window:
        first = as_of.astimezone(UTC).date() - timedelta(days=days - 1)
        return cls(datetime.combine(first, time(), UTC), as_of.astimezone(UTC))

    @property
    def first_day(self) -> date:
        return self.start.date()

    @property
    def last_day(self) -> date:
        return self.end.date()


class ImpactSource(StrEnum):
    NEGATIVE_MOMENTS = "negative_moments"  # the touchpoint's systemic item (no root cause)
    TASK_OCCURRENCES = "task_occurrences"  # a root cause at a touchpoint
    TERM_MOMENTS = "term_moments"  # an emerging irritant: negative moments whose words hold it


@dataclass(frozen=True)
class TierPart:
    value_tier: str | None
    negatives: int  # negative moments, or the tasks' occurrences
    weight: float

    @property
    def value(self) -> float:
        return self.negatives * self.weight


@dataclass(frozen=True)
class Impact:
    """Negative volume × customer value over ``window``: Σ negatives × value-tier weight."""

    source: ImpactSource
    window: Window
    parts: tuple[TierPart, ...]
    tasks: int | None  # the tasks counted, for a root cause

    @property
    def negatives(self) -> int:
        return sum(part.negatives for part in self.parts)

    @property
    def value(self) -> float:
        return round(math.fsum(part.value for part in self.parts), PRECISION)


def impact_of(
    source: ImpactSource,
    window: Window,
    counts: Iterable[tuple[str | None, int]],
    weight: TierWeight,
    tasks: int | None = None,
) -> Impact:
    """``counts``: (value tier, negatives); the same tier may come several times."""
    merged: dict[str | None, int] = {}
    for tier, negatives in counts:
        merged[tier] = merged.get(tier, 0) + negatives
    parts = tuple(
        TierPart(tier, negatives, weight(tier))
        for tier, negatives in sorted(merged.items(), key=lambda kv: kv[0] or "")
    )
    return Impact(source, window, parts, tasks)


class Ranked(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def effort(self) -> int | None: ...
    @property
    def impact(self) -> Impact: ...


R = TypeVar("R", bound=Ranked)


def score(item: Ranked) -> float | None:
    """Impact per unit of effort; None until the committee sets the effort."""
    return None if item.effort is None else round(item.impact.value / item.effort, PRECISION)


def ordered(items: Iterable[R]) -> list[R]:
    """By impact / effort, highest first; items without effort after all the others, by
    impact; then higher impact first, then id (a stable order for paging)."""

    def key(item: R) -> tuple[bool, float, float, str]:
        rank = score(item)
        return (
            rank is None,
            -(item.impact.value if rank is None else rank),
            -item.impact.value,
            item.id,
        )

    return sorted(items, key=key)


def impact_cutoff(open_items: Sequence[R], top_share: float) -> float | None:
    """The impact an open item needs to be in the top ``top_share`` of them: that of the
    item ranked ⌈n × share⌉ by impact (ties with it are in too)."""
    if not open_items:
        return None
    impacts = sorted((item.impact.value for item in open_items), reverse=True)
    return impacts[math.ceil(len(impacts) * top_share) - 1]


def quick_wins(open_items: Sequence[R], max_effort: int, top_share: float) -> list[R]:
    """Open items with effort ≤ ``max_effort`` whose impact is in the top share (and above
    0: no impact is never high), by score."""
    cutoff = impact_cutoff(open_items, top_share)
    if cutoff is None:
        return []
    return ordered(
        item
        for item in open_items
        if item.effort is not None
        and item.effort <= max_effort
        and item.impact.value >= cutoff
        and item.impact.value > 0
    )


@dataclass(frozen=True)
class CauseCount:
    root_cause: str | None
    value_tier: str | None
    tasks: int
    occurrences: int


@dataclass(frozen=True)
class ParetoLine:
    root_cause: str | None  # None: the tasks without a root cause ("unassigned")
    tasks: int
    occurrences: int
    impact: float
    share: float
    cumulative_share: float


def pareto(counts: Iterable[CauseCount], weight: TierWeight) -> list[ParetoLine]:
    """One line per root cause, by value-weighted impact (Σ occurrences × tier weight),
    highest first; shares are of the total impact, the last cumulative share is exactly 1."""
    totals: dict[str | None, list[float]] = {}
    for count in counts:
        line = totals.setdefault(count.root_cause, [0, 0, 0.0])
        line[0] += count.tasks
        line[1] += count.occurrences
        line[2] += count.occurrences * weight(count.value_tier)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1][2], -kv[1][0], kv[0] or ""))
    total = math.fsum(line[2] for _, line in ranked)
    lines: list[ParetoLine] = []
    running = 0.0
    for cause, (tasks, occurrences, value) in ranked:
        running += value
        lines.append(
            ParetoLine(
                cause,
                int(tasks),
                int(occurrences),
                round(value, PRECISION),
                value / total,
                running / total,
            )
        )
    if lines:
        last = lines[-1]
        lines[-1] = ParetoLine(
            last.root_cause, last.tasks, last.occurrences, last.impact, last.share, 1.0
        )
    return lines
