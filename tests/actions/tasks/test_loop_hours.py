"""The percentiles read in their bucket of hours (``loop_hours``), against PostgreSQL's own
``percentile_cont`` over the same tasks, and the counts per bucket against a recount.

Random tasks (hours on the buckets' edges and many ties among them) are written straight
into ``actions.task`` (the counts are the triggers' work, per statement for inserts and
deletes, per row for updates), changed and deleted at random,
then the report's percentiles are compared for random periods: whole days, edges, periods
within a day, empty ones, and scopes of one department or touchpoint (read from all).
"""

from __future__ import annotations

import bisect
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks.loop_hours import EDGES, Read, located, whole
from services.actions.tasks.loop_repository import ClosedLoopReads, LoopScope
from services.actions.tasks.models import Task, TaskHoursDay
from services.actions.tasks.percentile import rank
from services.actions.tasks.views import FRACTIONS, percentiles
from tests.actions.tasks.conftest import stored_task
from tests.conftest import unique

START = datetime(2036, 2, 1, tzinfo=UTC)  # a period no other test opens tasks in
SPAN_HOURS = 24 * 10
# on an edge (exactly: whole microseconds, exact floats), below the first, above the last
TIED = [0.25, 1.0, 1.0, 2.0, 4.0, 4.0, 4.0, 0.001, 9000.0, 3.5]


def _read(values: list[float], at: Read) -> list[float]:
    """What the index read gives: the values past the bound, from one end."""
    kept = [
        v for v in values if at.bound is None or (v < at.bound if at.from_top else v >= at.bound)
    ]
    ordered = sorted(kept, reverse=at.from_top)
    return ordered[at.skipped : at.skipped + at.count]


def test_the_values_read_in_their_bucket_are_those_at_the_rank() -> None:
    draw = random.Random(1)
    for _ in range(400):
        values = [
            draw.choice([draw.lognormvariate(1.4, 1.5), draw.choice(TIED), *EDGES[:3]])
            for _ in range(draw.randint(1, 60))
        ]
        counts = [0] * (len(EDGES) + 1)
        for value in values:
            counts[bisect.bisect_right(EDGES, value)] += 1
        ordered = sorted(values)
        for fraction in (0.0, 0.1, 0.5, 0.9, 1.0, draw.random()):
            at = rank(fraction, len(values))
            read = _read(values, located(at, counts))
            assert (min(read), max(read)) == (ordered[at.low], ordered[at.high]), (values, at)


def test_counts_that_do_not_add_up_read_from_the_nearer_end_of_all() -> None:
    at = rank(0.9, 10)
    assert located(at, None) == whole(at) == Read(True, 0, 2)
    assert located(at, [3, 6]) == whole(at)


async def test_the_percentiles_equal_percentile_cont(session: AsyncSession) -> None:
    draw = random.Random(20360201)
    departments, touchpoints = [unique("dept"), None], [unique("tp"), unique("tp")]
    ids = [unique("tsk") for _ in range(500)]
    try:
        session.add_all(_task(draw, i, departments, touchpoints) for i in ids)
        await session.flush()
        await _change_at_random(session, draw, ids)
        scopes = [_scope(draw, departments, touchpoints) for _ in range(50)]
        empty = LoopScope(since=START - timedelta(days=3), until=START - timedelta(days=2))
        for scope in [*scopes, empty, LoopScope(since=START, until=START + timedelta(days=4))]:
            assert await _percentiles(session, scope) == await _percentile_conts(session, scope), (
                scope
            )
        assert await _rows(session) == await _recounted(session)
        assert await _bounded(session, LoopScope(since=START, until=START + timedelta(days=4)))
    finally:
        await session.execute(delete(Task).where(Task.id.in_(ids)))
        await session.commit()
    assert await _rows(session) == {}


async def test_an_empty_period_reads_no_percentile(session: AsyncSession) -> None:
    scope = LoopScope(since=START - timedelta(days=3), until=START - timedelta(days=2))
    found = await _percentiles(session, scope)
    assert set(found.values()) == {None}


def _task(
    draw: random.Random, task_id: str, departments: list[Any], touchpoints: list[str]
) -> Task:
    opened = START + timedelta(hours=draw.choice([draw.uniform(0, SPAN_HOURS), 24.0, 48.0]))
    acknowledged = opened + _after(draw) if draw.random() < 0.8 else None
    resolved = (acknowledged or opened) + _after(draw) if draw.random() < 0.6 else None
    return stored_task(
        task_id,
        opened,
        touchpoint=draw.choice(touchpoints),
        department=draw.choice(departments),
        acknowledged=acknowledged,
        resolved=resolved,
        sla_due_at=opened + timedelta(hours=48),
    )


def _after(draw: random.Random) -> timedelta:
    return timedelta(hours=draw.choice([draw.lognormvariate(1.5, 1.2), draw.choice(TIED)]))


async def _change_at_random(session: AsyncSession, draw: random.Random, ids: list[str]) -> None:
    """Acknowledgements and resolutions moved or undone, openings moved, tasks deleted: one
    row at a time, and in statements over many rows."""
    for task_id in draw.sample(ids, 80):
        task = await session.get(Task, task_id)
        assert task is not None
        task.opened_at += timedelta(hours=draw.choice([0, 0, 1.5, -30]))
        task.acknowledged_at = draw.choice([None, task.opened_at + _after(draw)])
        task.resolved_at = draw.choice([None, task.opened_at + _after(draw)])
        await session.flush()
    await session.execute(
        update(Task)
        .where(Task.id.in_(draw.sample(ids, 60)))
        .values(resolved_at=Task.opened_at + timedelta(hours=2), acknowledged_at=None)
    )
    await session.execute(delete(Task).where(Task.id.in_(ids[:25])))
    session.expunge_all()


def _scope(draw: random.Random, departments: list[Any], touchpoints: list[str]) -> LoopScope:
    def instant() -> datetime | None:
        hours = draw.uniform(-24, SPAN_HOURS + 24)
        at = START + timedelta(hours=draw.choice([hours, float(round(hours / 24) * 24)]))
        return draw.choice([None, at, at, at])

    since, until = instant(), instant()
    if draw.random() < 0.2:
        return LoopScope(draw.choice(departments), draw.choice([None, *touchpoints]), since, until)
    return LoopScope(since=since, until=until)


async def _percentiles(session: AsyncSession, scope: LoopScope) -> dict[str, float | None]:
    reads = ClosedLoopReads(session)
    counts = await reads.counts(scope, START, 30.0)
    return await percentiles(reads, scope, {"ack": counts.acknowledged, "resolve": counts.resolved})


async def _bounded(session: AsyncSession, scope: LoopScope) -> bool:
    """Every percentile of ``scope`` is read within its bucket."""
    reads = ClosedLoopReads(session)
    counts = await reads.counts(scope, START, 30.0)
    ranks = {
        f"{measure}:{fraction}": rank(fraction, count)
        for measure, count in (("ack", counts.acknowledged), ("resolve", counts.resolved))
        for fraction in FRACTIONS
    }
    return all(at.bound is not None for at in (await reads.located(scope, ranks)).values())


async def _percentile_conts(session: AsyncSession, scope: LoopScope) -> dict[str, float | None]:
    tests = {
        "department": lambda: Task.department == scope.department,
        "touchpoint": lambda: Task.touchpoint == scope.touchpoint,
        "since": lambda: Task.opened_at >= scope.since,
        "until": lambda: Task.opened_at < scope.until,
    }
    where = [tests[name]() for name in scope.shaped()[0]]
    found = {}
    for measure, hours in (("ack", Task.ack_hours), ("resolve", Task.resolve_hours)):
        for fraction in FRACTIONS:
            query = select(func.percentile_cont(fraction).within_group(hours)).where(*where)
            found[f"{measure}:{fraction}"] = await session.scalar(query)
    return found


async def _rows(session: AsyncSession) -> dict[Any, int]:
    """The counts of the days this test opens tasks on."""
    rows = await session.execute(
        select(TaskHoursDay).where(
            TaskHoursDay.opened_on >= (START - timedelta(days=3)).date(),
            TaskHoursDay.opened_on < (START + timedelta(days=30)).date(),
            TaskHoursDay.tasks != 0,
        )
    )
    return {(r.measure, r.opened_on, r.bucket): r.tasks for r in rows.scalars()}


async def _recounted(session: AsyncSession) -> dict[Any, int]:
    """The same counts from the tasks, bucketed by :data:`EDGES` in Python."""
    rows = await session.execute(
        select(Task.opened_at, Task.ack_hours, Task.resolve_hours).where(
            Task.opened_at >= START - timedelta(days=3), Task.opened_at < START + timedelta(days=30)
        )
    )
    counts: dict[Any, int] = {}
    for opened, *measured in rows:
        for measure, hours in zip(("ack", "resolve"), measured, strict=True):
            if hours is not None:
                key = (measure, opened.astimezone(UTC).date(), bisect.bisect_right(EDGES, hours))
                counts[key] = counts.get(key, 0) + 1
    return counts
