"""Every query of the tasks: the consumers', the escalation sweep's, the relay's and the
commands' (``TaskRepository``); the API's reads (``TaskReads``). The closed-loop report's are
in ``loop_repository.py``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BindParameter,
    Select,
    Table,
    bindparam,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.surveys.models import survey_invitation
from services.actions.tasks.models import (
    Task,
    TaskChange,
    TaskComment,
    TaskMoment,
    customer_latest_lxi,
)
from shared.events.actions import ACTIVE_STATUSES
from shared.events.schemas import Verbatim

_ACTIVE = [status.value for status in ACTIVE_STATUSES]


class TaskRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_pairs(self, pairs: Collection[tuple[str, str]]) -> None:
        """Serialise the work on each (customer, touchpoint) across consumers and requests
        until commit; taken sorted, so two transactions never wait on each other in a cycle."""
        if not pairs:
            return
        keys = sorted(f"actions.task:{customer}:{touchpoint}" for customer, touchpoint in pairs)
        await self.session.execute(
            text(
                "SELECT pg_advisory_xact_lock(hashtextextended(key, 0)) "
                "FROM (SELECT unnest(CAST(:keys AS text[])) AS key ORDER BY key) AS sorted"
            ),
            {"keys": keys},
        )

    async def serialise_batch_writers(self) -> None:
        """Until commit, one batch at a time among the consumers that write many tasks (alerts
        opening tasks, moments following recovery): each locks its rows in its own order, so
        two of them at once could wait on each other in a cycle."""
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended('actions.task-batches', 0))")
        )

    async def active_for(self, customer_id: str, touchpoint: str) -> Task | None:
        """The active task of the pair, locked until commit."""
        query = (
            select(Task)
            .where(
                Task.customer_id == customer_id,
                Task.touchpoint == touchpoint,
                Task.status.in_(_ACTIVE),
            )
            .with_for_update()
        )
        return await self.session.scalar(query)

    async def get(self, task_id: str, *, lock: bool = False) -> Task | None:
        query = select(Task).where(Task.id == task_id)
        if lock:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def add_task(self, task: Task) -> None:
        self.session.add(task)
        await self.session.flush()

    async def add_moments(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            stmt = insert(TaskMoment).values(list(rows)).on_conflict_do_nothing()
            await self.session.execute(stmt)

    async def moments_of(self, task_id: str) -> dict[str, Verbatim | None]:
        """The task's moments, oldest first, each with its verbatim (None without words)."""
        query = (
            select(TaskMoment.moment_id, TaskMoment.verbatim)
            .where(TaskMoment.task_id == task_id)
            .order_by(TaskMoment.added_at, TaskMoment.moment_id)
        )
        found = await self.session.execute(query)
        # a moment without words holds JSON null, which comes back as None
        return {moment: Verbatim.model_validate(v) if v else None for moment, v in found}

    async def add_comment(self, comment: TaskComment) -> TaskComment:
        self.session.add(comment)
        await self.session.flush()
        return comment

    async def latest_lxi(self, customer_id: str) -> Any:
        query = select(customer_latest_lxi).where(customer_latest_lxi.c.customer_id == customer_id)
        return (await self.session.execute(query)).first()

    async def remember_latest_lxi(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Keep each customer's moment with the latest ``occurred_at`` (one row each)."""
        if not rows:
            return
        stmt = insert(customer_latest_lxi).values(list(rows))
        stmt = stmt.on_conflict_do_update(
            index_elements=[customer_latest_lxi.c.customer_id],
            set_={
                "moment_id": stmt.excluded.moment_id,
                "occurred_at": stmt.excluded.occurred_at,
                "lxi_after": stmt.excluded.lxi_after,
            },
            where=stmt.excluded.occurred_at > customer_latest_lxi.c.occurred_at,
        )
        await self.session.execute(stmt)

    async def follow_recovery(self, moments: Sequence[Mapping[str, Any]], days: float) -> None:
        """Move each task's recovery LXI to a later moment of its customer that occurred no
        later than ``days`` after its resolution (any moment while it is unresolved)."""
        if not moments:
            return
        table = cast(Table, Task.__table__)
        moment_at: BindParameter[datetime] = bindparam("b_at")
        horizon = table.c.resolved_at + timedelta(days=days)
        stmt = (
            update(table)
            .where(
                table.c.customer_id == bindparam("b_customer"),
                table.c.recovery_at < moment_at,
                table.c.resolved_at.is_(None) | (horizon >= moment_at),
            )
            .values(recovery_lxi=bindparam("b_lxi"), recovery_at=moment_at)
        )
        await self.session.execute(stmt, list(moments))

    async def active_counts(self) -> list[tuple[str | None, str, int]]:
        """How many tasks are active, by department and status."""
        query = (
            select(Task.department, Task.status, func.count())
            .where(Task.status.in_(_ACTIVE))
            .group_by(Task.department, Task.status)
        )
        return [(row[0], row[1], row[2]) for row in await self.session.execute(query)]

    async def overdue_counts(self, now: datetime) -> list[tuple[str | None, int]]:
        """How many active tasks are past their due time, by department."""
        query = (
            select(Task.department, func.count())
            .where(Task.status.in_(_ACTIVE), Task.due_at <= now)
            .group_by(Task.department)
        )
        return [(row[0], row[1]) for row in await self.session.execute(query)]

    async def overdue(self, now: datetime, limit: int, max_escalations: int) -> list[Task]:
        """Active tasks past their due time, locked; rows another transaction holds are
        skipped, so two sweeps never escalate the same task at once."""
        query = overdue_query(now, limit, max_escalations)
        return list((await self.session.scalars(query)).all())

    async def unpublished(self, limit: int) -> list[TaskChange]:
        """Changes not yet acknowledged by the broker, in order per task, locked (skipping
        those another relay holds)."""
        query = (
            select(TaskChange)
            .where(TaskChange.published_at.is_(None))
            .order_by(TaskChange.task_id, TaskChange.number)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list((await self.session.scalars(query)).all())

    async def mark_published(self, changes: Sequence[TaskChange]) -> None:
        for change in changes:
            change.published_at = func.now()
        await self.session.flush()


def overdue_query(now: datetime, limit: int, max_escalations: int) -> Select[Task]:
    """The escalation sweep's batch: the first ``limit`` active tasks due by ``now`` below
    the last level, locked, skipping those another transaction holds."""
    return (
        select(Task)
        .where(
            Task.status.in_(_ACTIVE),
            Task.due_at <= now,
            Task.escalation_level < max_escalations,
        )
        .order_by(Task.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )


DETAIL_LIMIT = 500  # moments, comments and changes listed with one task


class TaskReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, task_id: str) -> Task | None:
        return await self.session.get(Task, task_id)

    async def moments(self, task_id: str) -> list[TaskMoment]:
        query = (
            select(TaskMoment)
            .where(TaskMoment.task_id == task_id)
            .order_by(TaskMoment.added_at, TaskMoment.moment_id)
            .limit(DETAIL_LIMIT)
        )
        return list((await self.session.scalars(query)).all())

    async def comments(self, task_id: str) -> list[TaskComment]:
        query = (
            select(TaskComment)
            .where(TaskComment.task_id == task_id)
            .order_by(TaskComment.id)
            .limit(DETAIL_LIMIT)
        )
        return list((await self.session.scalars(query)).all())

    async def callback(self, customer_id: str) -> Mapping[str, Any] | None:
        """The customer's latest answer to a hosted survey's callback question: ``consent``,
        ``answered_at``, ``touchpoint``; None when no survey asked it or none was answered."""
        i = survey_invitation.c
        query = (
            select(i.callback_consent.label("consent"), i.answered_at, i.touchpoint)
            .where(i.customer_id == customer_id, i.callback_consent.is_not(None))
            .order_by(i.answered_at.desc())
            .limit(1)
        )
        found = (await self.session.execute(query)).mappings().first()
        return dict(found) if found is not None else None

    async def changes(self, task_id: str) -> list[TaskChange]:
        query = (
            select(TaskChange)
            .where(TaskChange.task_id == task_id)
            .order_by(TaskChange.number)
            .limit(DETAIL_LIMIT)
        )
        return list((await self.session.scalars(query)).all())
