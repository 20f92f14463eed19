"""Read queries of the tasks API and of the closed-loop report."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, literal, not_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks.models import Task, TaskChange, TaskComment, TaskMoment
from services.actions.tasks.schemas import TaskFilter
from shared.events.actions import ACTIVE_STATUSES

DETAIL_LIMIT = 500  # moments, comments and changes listed with one task
_ACTIVE = [status.value for status in ACTIVE_STATUSES]
_EQUAL = {
    "department": Task.department,
    "touchpoint": Task.touchpoint,
    "persona": Task.persona,
    "customer": Task.customer_id,
}


class TaskReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, filters: TaskFilter, now: datetime, after: tuple[datetime, str] | None, limit: int
    ) -> list[Task]:
        """Tasks matching ``filters``, newest opened first by (opened_at, id), strictly
        after ``after``."""
        query = _filtered(select(Task), filters, now)
        if after is not None:
            position = tuple_(Task.opened_at, Task.id)
            query = query.where(position < tuple_(literal(after[0]), literal(after[1])))
        query = query.order_by(Task.opened_at.desc(), Task.id.desc()).limit(limit)
        return list((await self.session.scalars(query)).all())

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

    async def changes(self, task_id: str) -> list[TaskChange]:
        query = (
            select(TaskChange)
            .where(TaskChange.task_id == task_id)
            .order_by(TaskChange.number)
            .limit(DETAIL_LIMIT)
        )
        return list((await self.session.scalars(query)).all())

    async def closed_loop(
        self, where: list[ColumnElement[bool]], now: datetime, recovery_days: float
    ) -> Row[Any]:
        """One row of closed-loop figures over the tasks matching ``where``."""
        to_ack = _hours(Task.acknowledged_at, Task.opened_at)
        to_resolve = _hours(Task.resolved_at, Task.opened_at)
        resolved = Task.resolved_at.is_not(None)
        passed = Task.resolved_at <= now - timedelta(days=recovery_days)
        measured = and_(passed, Task.lxi_at_opening.is_not(None), Task.recovery_lxi.is_not(None))
        query = select(
            func.count().label("tasks"),
            func.count(Task.acknowledged_at).label("acknowledged"),
            func.percentile_cont(0.5).within_group(to_ack).label("ack_p50"),
            func.percentile_cont(0.9).within_group(to_ack).label("ack_p90"),
            func.count(Task.resolved_at).label("resolved"),
            func.percentile_cont(0.5).within_group(to_resolve).label("resolve_p50"),
            func.percentile_cont(0.9).within_group(to_resolve).label("resolve_p90"),
            func.count().filter(Task.resolved_at <= Task.sla_due_at).label("within_sla"),
            func.count().filter(and_(resolved, Task.customer_recontacted)).label("recontacted"),
            func.count().filter(measured).label("recovery_tasks"),
            func.count().filter(and_(resolved, not_(passed))).label("recovery_pending"),
            func.avg(Task.recovery_lxi - Task.lxi_at_opening).filter(measured).label("recovery"),
        ).where(*where)
        return (await self.session.execute(query)).one()


def _hours(end: Any, start: Any) -> Any:
    return func.extract("epoch", end - start) / 3600.0


def _filtered(query: Select[Any], filters: TaskFilter, now: datetime) -> Select[Any]:
    for name, column in _EQUAL.items():
        value = getattr(filters, name)
        if value is not None:
            query = query.where(column == value)
    if filters.status is not None:
        query = query.where(Task.status == filters.status.value)
    if filters.priority is not None:
        query = query.where(Task.priority == filters.priority.value)
    if filters.overdue is not None:
        overdue = and_(Task.status.in_(_ACTIVE), Task.due_at <= now)
        query = query.where(overdue if filters.overdue else not_(overdue))
    return query
