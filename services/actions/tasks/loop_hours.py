"""Where a percentile's values are read: in their bucket of hours, found from counts.

The tasks' hours of each measure are counted per UTC day of opening and bucket
(``task_hours_day``, kept by triggers). Over a scope of whole days and edges (as
``loop_days.split`` cuts it) the counts per bucket say which bucket holds the values at a
rank, and how many of the scope's values lie below it: the values are then read from the
nearer end of that bucket alone (its edges tested in the measure's index), not from the
nearer end of every value. The buckets compare as the index orders (``width_bucket``), so
the values read are the same, ties included.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ARRAY,
    Float,
    Integer,
    bindparam,
    func,
    literal,
    select,
    union_all,
)

from services.actions.tasks.models import Task, TaskHoursDay
from services.actions.tasks.percentile import Rank

# The buckets' lower edges in hours, as migration 0017_task_hours_day has them: four a
# doubling, from 1/64 h to 8192 h. Bucket 0 holds the hours below the first edge, bucket
# ``i`` those in [EDGES[i - 1], EDGES[i]), the last those at or above the last edge.
EDGES: tuple[float, ...] = tuple(float(f"{2 ** (k / 4):.4g}") for k in range(-24, 53))
MEASURES = {"ack": Task.ack_hours, "resolve": Task.resolve_hours}


@dataclass(frozen=True)
class Read:
    """Values to read in a measure's order: ``skipped`` passed from the top (``from_top``)
    or from the bottom, then ``count`` read, among the hours below ``bound`` (from the top)
    or at or above it (from the bottom); among all of them when ``bound`` is None."""

    from_top: bool
    skipped: int
    count: int
    bound: float | None = None


def whole(at: Rank) -> Read:
    """From the nearer end of all the values."""
    return Read(at.from_top, at.skipped, at.read)


def located(at: Rank, counts: Sequence[int] | None) -> Read:
    """Where the values at ``at`` are read, given the scope's count per bucket; from the
    nearer end of all when the counts are not known or do not add up to ``at.count``
    (tasks changed between the two reads)."""
    if counts is None or sum(counts) != at.count:
        return whole(at)
    bucket, below = 0, 0
    while at.low >= below + counts[bucket]:
        below += counts[bucket]
        bucket += 1
    held = counts[bucket]
    low, high = at.low - below, at.high - below
    lower = EDGES[bucket - 1] if bucket > 0 else None
    if high >= held:  # the next value is the next bucket's first: read up from this one
        return Read(False, low, at.read, lower)
    if held - 1 - high < low:
        return Read(True, held - 1 - high, at.read, EDGES[bucket] if bucket < len(EDGES) else None)
    return Read(False, low, at.read, lower)


def per_bucket(rows: Any) -> dict[str, list[int]]:
    """The counts per bucket of each measure, from rows of (measure, bucket, tasks)."""
    counts = {measure: [0] * (len(EDGES) + 1) for measure in MEASURES}
    for measure, bucket, tasks in rows:
        counts[measure][bucket] += int(tasks)
    return counts


_DAY_TESTS = {
    "first": lambda: (
        TaskHoursDay.opened_on >= bindparam("first", type_=TaskHoursDay.opened_on.type)
    ),
    "end": lambda: TaskHoursDay.opened_on < bindparam("end", type_=TaskHoursDay.opened_on.type),
}


@functools.cache
def buckets_query(days: tuple[str, ...] | None, edges: tuple[tuple[str, ...], ...]) -> Any:
    """Rows of (measure, bucket, tasks) that add up to a scope's counts per bucket: its
    whole days from their rows (``days``: which of ``first``, ``end`` are given; None when it
    has none), each of its ``edges`` counted from the tasks (``i``: which of ``since_i``,
    ``until_i`` are given); bound besides: ``edges``, :data:`EDGES`."""
    parts: list[Any] = []
    if days is not None:
        day = TaskHoursDay
        parts.append(
            select(day.measure, day.bucket, func.sum(day.tasks).label("tasks"))
            .where(*(_DAY_TESTS[name]() for name in days))
            .group_by(day.measure, day.bucket)
        )
    for index, shape in enumerate(edges):
        tests = {
            "since": lambda i=index: (
                Task.opened_at >= bindparam(f"since_{i}", type_=Task.opened_at.type)
            ),
            "until": lambda i=index: (
                Task.opened_at < bindparam(f"until_{i}", type_=Task.opened_at.type)
            ),
        }
        for measure, hours in MEASURES.items():
            bucket = func.width_bucket(hours, bindparam("edges", type_=ARRAY(Float)), type_=Integer)
            parts.append(
                select(literal(measure).label("measure"), bucket.label("bucket"), func.count())
                .where(hours.is_not(None), *(tests[name]() for name in shape))
                .group_by(bucket)
            )
    return parts[0] if len(parts) == 1 else union_all(*parts)
