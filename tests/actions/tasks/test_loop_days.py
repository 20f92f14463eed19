"""The closed-loop counts kept per day, against a plain count of the same tasks.

Random tasks are written straight into ``actions.task`` (the day rows are the triggers'
work, whatever wrote the task), changed and deleted at random, then every count of the
report is compared, for random scopes and instants, with one pass over the tasks.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Numeric, Text, cast, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks.loop_days import LoopCounts, Split, split
from services.actions.tasks.loop_repository import ClosedLoopReads, LoopScope, closed_loop_query
from services.actions.tasks.models import Task, TaskLoopDay
from tests.actions.tasks.conftest import Tasks, stored_task
from tests.conftest import unique

START = datetime(2035, 5, 1, tzinfo=UTC)  # a period no other test opens tasks in
SPAN_HOURS = 24 * 12


def test_a_period_is_cut_into_whole_days_and_edges() -> None:
    since, until = START + timedelta(hours=5), START + timedelta(days=3, hours=2)
    cut = split(since, until)
    assert cut.days == ((START + timedelta(days=1)).date(), (START + timedelta(days=3)).date())
    assert cut.edges == [
        (since, START + timedelta(days=1)),
        (START + timedelta(days=3), until),
    ]
    assert split(START, START + timedelta(days=2)).edges == []
    assert split(None, None) == Split([], (None, None))
    within_a_day = split(since, since + timedelta(hours=3))
    assert (within_a_day.days, within_a_day.edges) == (None, [(since, since + timedelta(hours=3))])


async def test_the_day_counts_equal_a_plain_count(session: AsyncSession) -> None:
    draw = random.Random(20350501)
    departments = [unique("dept"), unique("dept"), None]
    touchpoints = [unique("tp"), unique("tp")]
    ids = [unique("tsk") for _ in range(400)]
    try:
        session.add_all(_task(draw, i, departments, touchpoints) for i in ids)
        await session.flush()
        await _change_at_random(session, draw, ids, departments)
        for _ in range(60):
            scope = _scope(draw, [*departments, ""], touchpoints)
            now = START + timedelta(hours=draw.uniform(0, SPAN_HOURS * 2))
            days = draw.choice([1.0, 2.5, 4.0])
            assert await _counts(session, scope, now, days) == await _plain(
                session, scope, now, days
            ), (scope, now, days)
        assert await _day_rows(session, touchpoints) == await _recounted(session, touchpoints)
    finally:
        await session.execute(delete(Task).where(Task.id.in_(ids)))
        await session.commit()
    assert await _day_rows(session, touchpoints) == {}


async def test_a_task_resolved_then_reopened_moves_between_rows(session: AsyncSession) -> None:
    draw, touchpoint = random.Random(3), unique("tp")
    task = _task(draw, unique("tsk"), [None], [touchpoint])
    task.resolved_at, task.lxi_at_opening, task.recovery_lxi = None, 40.0, 55.5
    session.add(task)
    await session.flush()
    opened = task.opened_at.date()

    task.resolved_at = task.opened_at + timedelta(days=2)
    await session.flush()
    resolved = await _day_rows(session, [touchpoint])
    task.resolved_at = None
    await session.flush()
    reopened = await _day_rows(session, [touchpoint])
    await session.rollback()

    assert set(resolved) == {(opened, "", touchpoint, task.opened_at.date() + timedelta(days=2))}
    assert next(iter(resolved.values()))[-1] == 15.5  # 55.5 − 40, resolved with both LXIs
    assert set(reopened) == {(opened, "", touchpoint, None)}


def _task(
    draw: random.Random, task_id: str, departments: list[Any], touchpoints: list[str]
) -> Task:
    opened = START + timedelta(hours=draw.uniform(0, SPAN_HOURS))
    acknowledged = (
        opened + timedelta(hours=draw.expovariate(1 / 6)) if draw.random() < 0.8 else None
    )
    resolved = (
        (acknowledged or opened) + timedelta(hours=draw.expovariate(1 / 40))
        if draw.random() < 0.6
        else None
    )
    return stored_task(
        task_id,
        opened,
        touchpoint=draw.choice(touchpoints),
        department=draw.choice(departments),
        acknowledged=acknowledged,
        resolved=resolved,
        sla_due_at=opened + timedelta(hours=draw.choice([24, 48])),
        customer_recontacted=draw.random() < 0.5,
        lxi_at_opening=_lxi(draw),
        recovery_lxi=_lxi(draw),
    )


def _lxi(draw: random.Random) -> float | None:
    return draw.uniform(0, 100) if draw.random() < 0.8 else None


async def _change_at_random(
    session: AsyncSession, draw: random.Random, ids: list[str], departments: list[Any]
) -> None:
    """Resolutions moved or undone, LXIs followed, departments changed, tasks deleted: one
    row at a time, and in statements over many rows."""
    for task_id in draw.sample(ids, 60):
        task = await session.get(Task, task_id)
        assert task is not None
        task.resolved_at = draw.choice(
            [None, task.opened_at + timedelta(hours=draw.uniform(1, 150))]
        )
        task.recovery_lxi = _lxi(draw)
        task.department = draw.choice(departments)
        await session.flush()
    await session.execute(
        update(Task)
        .where(Task.id.in_(draw.sample(ids, 80)))
        .values(recovery_lxi=Task.recovery_lxi + 1.1, customer_recontacted=True)
    )
    await session.execute(delete(Task).where(Task.id.in_(ids[:20])))
    session.expunge_all()


def _scope(draw: random.Random, departments: list[Any], touchpoints: list[str]) -> LoopScope:
    def instant() -> datetime | None:
        hours = draw.uniform(-24, SPAN_HOURS + 24)
        at = START + timedelta(hours=draw.choice([hours, float(round(hours / 24) * 24)]))
        return draw.choice([None, at, at])

    since, until = instant(), instant()
    return LoopScope(draw.choice(departments), draw.choice([None, *touchpoints]), since, until)


async def _counts(session: AsyncSession, scope: LoopScope, now: datetime, days: float) -> Any:
    return await ClosedLoopReads(session).counts(scope, now, days)


async def _plain(session: AsyncSession, scope: LoopScope, now: datetime, days: float) -> Any:
    """One pass over the tasks, as the report counted before the day rows."""
    await session.execute(text("SELECT set_config('extra_float_digits', '1', true)"))
    shape, values = scope.shaped()
    cutoff = now - timedelta(days=days)
    row = (await session.execute(closed_loop_query(shape), {**values, "cutoff": cutoff})).one()
    return LoopCounts.of(row)


async def _day_rows(session: AsyncSession, touchpoints: list[str]) -> dict[Any, tuple[Any, ...]]:
    """The day rows of ``touchpoints`` that count any task, resolved_on None for infinity."""
    rows = await session.execute(
        select(TaskLoopDay).where(TaskLoopDay.touchpoint.in_(touchpoints), TaskLoopDay.tasks != 0)
    )
    return {
        (d.opened_on, d.department, d.touchpoint, _finite(d.resolved_on)): (
            d.tasks,
            d.acknowledged,
            d.within_sla,
            d.recontacted,
            d.recovered,
            d.lxi_change,
        )
        for d in rows.scalars()
    }


def _finite(day: Any) -> Any:
    return None if day is None or day.year > 9000 else day


async def _recounted(session: AsyncSession, touchpoints: list[str]) -> dict[Any, tuple[Any, ...]]:
    """What the day rows should hold, counted from the tasks."""
    await session.execute(text("SELECT set_config('extra_float_digits', '1', true)"))
    measured = (Task.resolved_at.is_not(None)) & (Task.lxi_at_opening.is_not(None))
    measured &= Task.recovery_lxi.is_not(None)
    change = cast(cast(Task.recovery_lxi - Task.lxi_at_opening, Text), Numeric)
    opened = func.date(func.timezone("UTC", Task.opened_at))
    resolved = func.date(func.timezone("UTC", Task.resolved_at))
    department = func.coalesce(Task.department, "")
    query = (
        select(
            opened,
            department,
            Task.touchpoint,
            resolved,
            func.count(),
            func.count(Task.acknowledged_at),
            func.count().filter(Task.resolved_at <= Task.sla_due_at),
            func.count().filter(Task.resolved_at.is_not(None) & Task.customer_recontacted),
            func.count().filter(measured),
            func.coalesce(func.sum(change).filter(measured), 0),
        )
        .where(Task.touchpoint.in_(touchpoints))
        .group_by(opened, department, Task.touchpoint, resolved)
    )
    return {tuple(row[:4]): tuple(row[4:]) for row in await session.execute(query)}


async def test_a_change_that_counts_nothing_locks_no_row(tasks: Tasks) -> None:
    """The recovery follower writes the LXI of unresolved tasks in batches: their rows stay
    free for the referents' changes of the same day and touchpoint."""
    draw, touchpoint = random.Random(5), unique("tp")
    task = _task(draw, unique("tsk"), [None], [touchpoint])
    task.resolved_at, task.recovery_lxi = None, 50.0
    async with tasks.sessions() as session:
        session.add(task)
        await session.commit()
    try:
        async with tasks.sessions() as writer, tasks.sessions() as other:
            await writer.execute(update(Task).where(Task.id == task.id).values(recovery_lxi=61.0))
            row = select(TaskLoopDay).where(TaskLoopDay.touchpoint == touchpoint)
            locked = await other.execute(row.with_for_update(nowait=True))
            assert len(locked.all()) == 1
            await writer.rollback()
    finally:
        async with tasks.sessions() as session:
            await session.execute(delete(Task).where(Task.id == task.id))
            await session.commit()
