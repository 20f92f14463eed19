"""Queries of the backlog API (the consumers' queries are in repository.py)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog.models import (
    OPEN_STATUSES,
    backlog_item,
    backlog_negative_day,
    backlog_spike,
    backlog_task,
)


class BacklogReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def items(
        self,
        statuses: Collection[str] | None = None,
        touchpoints: Collection[str] = (),
        department: str | None = None,
    ) -> list[Row[Any]]:
        query = select(backlog_item)
        if statuses is not None:
            query = query.where(backlog_item.c.status.in_(list(statuses)))
        if touchpoints:
            query = query.where(backlog_item.c.touchpoint.in_(list(touchpoints)))
        if department is not None:
            query = query.where(backlog_item.c.department == department)
        return list(await self.session.execute(query))

    async def open_items(
        self, touchpoints: Collection[str], department: str | None
    ) -> list[Row[Any]]:
        return await self.items({s.value for s in OPEN_STATUSES}, touchpoints, department)

    async def item(self, item_id: str, *, for_update: bool = False) -> Row[Any] | None:
        query = select(backlog_item).where(backlog_item.c.id == item_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).first()

    async def update_item(self, item_id: str, values: Mapping[str, Any]) -> Row[Any]:
        stmt = (
            update(backlog_item)
            .where(backlog_item.c.id == item_id)
            .values({**values, "updated_at": func.now()})
            .returning(backlog_item)
        )
        row: Row[Any] = (await self.session.execute(stmt)).one()
        return row

    async def task_counts(
        self, touchpoints: Collection[str], start: datetime, end: datetime
    ) -> list[Row[Any]]:
        """Per (touchpoint, root cause, value tier): tasks opened in [start, end] and their
        occurrences."""
        task = backlog_task.c
        query = _task_totals(task.touchpoint, task.root_cause, task.value_tier).where(
            task.touchpoint.in_(list(touchpoints)), task.opened_at.between(start, end)
        )
        return list(await self.session.execute(query))

    async def negative_counts(
        self, touchpoints: Collection[str], first_day: date, last_day: date
    ) -> list[Row[Any]]:
        """Per (touchpoint, value tier): negative moments of the days first_day..last_day."""
        day = backlog_negative_day.c
        query = (
            select(day.touchpoint, day.value_tier, func.sum(day.negatives).label("negatives"))
            .where(day.touchpoint.in_(list(touchpoints)), day.day.between(first_day, last_day))
            .group_by(day.touchpoint, day.value_tier)
        )
        return list(await self.session.execute(query))

    async def latest_spikes(self, item_ids: Collection[str]) -> list[Row[Any]]:
        """Per item, its latest spike and how many it had."""
        spike = backlog_spike.c
        count = func.count().over(partition_by=spike.item_id).label("spikes")
        query = (
            select(backlog_spike, count)
            .where(spike.item_id.in_(list(item_ids)))
            .order_by(spike.item_id, spike.raised_at.desc(), spike.alert_id.desc())
            .ext(distinct_on(spike.item_id))
        )
        return list(await self.session.execute(query))

    async def cause_counts(
        self,
        opened_from: datetime | None,
        opened_to: datetime | None,
        touchpoint: str | None,
        department: str | None,
    ) -> list[Row[Any]]:
        """Per (root cause, value tier): tasks opened in [from, to) and their occurrences."""
        task = backlog_task.c
        query = _task_totals(task.root_cause, task.value_tier)
        if opened_from is not None:
            query = query.where(task.opened_at >= opened_from)
        if opened_to is not None:
            query = query.where(task.opened_at < opened_to)
        if touchpoint is not None:
            query = query.where(task.touchpoint == touchpoint)
        if department is not None:
            query = query.where(task.department == department)
        return list(await self.session.execute(query))


def _task_totals(*keys: Any) -> Select[Any]:
    return select(
        *keys,
        func.count().label("tasks"),
        func.sum(backlog_task.c.occurrences).label("occurrences"),
    ).group_by(*keys)
