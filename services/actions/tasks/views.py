"""Tasks as referents and ops read them: filtered pages, one task in full, the closed-loop
report. A key bound to a department sees that department's tasks only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks import listing, percentile
from services.actions.tasks.access import visible, within_department
from services.actions.tasks.loop_repository import ClosedLoopReads, LoopScope
from services.actions.tasks.models import Task
from services.actions.tasks.repository import TaskReads
from services.actions.tasks.schemas import (
    ClosedLoopReport,
    CommentRead,
    Durations,
    Recovery,
    TaskChangeRead,
    TaskDetail,
    TaskFilter,
    TaskMomentRead,
    TaskPage,
)
from services.actions.tasks.service import TaskContext, listed, to_read
from shared.auth import Principal
from shared.cursor import CursorSigner


async def list_tasks(
    pool: Any, ctx: TaskContext, cursors: CursorSigner, principal: Principal, filters: TaskFilter
) -> TaskPage:
    """Read on a connection of ``pool`` (``shared.db.pool``; see ``listing``).

    :raises ProblemError: 403 when a department-bound key asks for another department,
        400 for a cursor not returned by this endpoint in this order."""
    department = within_department(filters.department, principal)
    filters = filters.model_copy(update={"department": department})
    # a position in one order means nothing in the other: each has its own cursors
    order = ("tasks", filters.order)
    after = cursors.position(order, filters.cursor) if filters.cursor else None
    now = ctx.clock()
    async with pool.acquire() as connection:
        rows = await listing.page(connection, filters, now, after, filters.limit + 1)
    items = [listed(row, now) for row in rows[: filters.limit]]
    last = items[-1] if len(rows) > filters.limit else None
    if last is None:
        return TaskPage(items=items, next_cursor=None)
    at = getattr(last, listing.sorted_by(filters.order))
    return TaskPage(items=items, next_cursor=cursors.after(order, at, last.id))


async def get_task(
    session: AsyncSession, ctx: TaskContext, principal: Principal, task_id: str
) -> TaskDetail:
    """:raises ProblemError: 404 for an unknown task, or one of another department."""
    reads = TaskReads(session)
    task: Task = visible(await reads.get(task_id), principal, task_id)
    return TaskDetail(
        **to_read(task, ctx.clock()).model_dump(),
        moments=[TaskMomentRead.model_validate(m) for m in await reads.moments(task_id)],
        comments=[CommentRead.model_validate(c) for c in await reads.comments(task_id)],
        changes=[TaskChangeRead.model_validate(c) for c in await reads.changes(task_id)],
        callback=await reads.callback(task.customer_id),
    )


async def closed_loop(
    session: AsyncSession,
    ctx: TaskContext,
    principal: Principal,
    department: str | None,
    touchpoint: str | None,
    since: datetime | None,
    until: datetime | None,
) -> ClosedLoopReport:
    """Over the tasks opened in [``since``, ``until``).

    :raises ProblemError: 403 when a department-bound key asks for another department.
    """
    department = within_department(department, principal)
    scope = LoopScope(department, touchpoint, since, until)
    days = ctx.settings.task_recovery_days
    reads = ClosedLoopReads(session)
    row = await reads.counts(scope, ctx.clock(), days)
    hours = await percentiles(reads, scope, {"ack": row.acknowledged, "resolve": row.resolved})
    return ClosedLoopReport(
        department=department,
        touchpoint=touchpoint,
        from_=since,
        to=until,
        tasks=row.tasks,
        time_to_acknowledge=Durations(
            count=row.acknowledged, p50_hours=hours["ack:0.5"], p90_hours=hours["ack:0.9"]
        ),
        time_to_resolve=Durations(
            count=row.resolved, p50_hours=hours["resolve:0.5"], p90_hours=hours["resolve:0.9"]
        ),
        resolved=row.resolved,
        resolved_within_sla=row.within_sla,
        resolved_within_sla_rate=_rate(row.within_sla, row.resolved),
        recontacted=row.recontacted,
        recontacted_rate=_rate(row.recontacted, row.resolved),
        recovery=Recovery(
            days=days,
            tasks=row.recovery_tasks,
            pending=row.recovery_pending,
            mean_lxi_change=row.recovery,
        ),
    )


FRACTIONS = (0.5, 0.9)


async def percentiles(
    reads: ClosedLoopReads, scope: LoopScope, counts: dict[str, int]
) -> dict[str, float | None]:
    """``percentile_cont`` of each measure's hours at each of :data:`FRACTIONS` (keyed
    ``"ack:0.5"``), exactly, from the values at its rank (read in its bucket of hours where
    ``loop_hours`` can locate it); None for a measure without any."""
    ranks = {
        f"{measure}:{fraction}": percentile.rank(fraction, count)
        for measure, count in counts.items()
        if count
        for fraction in FRACTIONS
    }
    found = await reads.at_ranks(scope, list((await reads.located(scope, ranks)).items()))
    return {
        f"{measure}:{fraction}": percentile.interpolated(ranks[key], *found[key])
        if (key := f"{measure}:{fraction}") in ranks
        else None
        for measure in counts
        for fraction in FRACTIONS
    }


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None
