"""Every query of the backlog's consumers (the API's queries are in reads.py)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Row, delete, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog.models import (
    ItemStatus,
    backlog_item,
    backlog_negative_day,
    backlog_processed_event,
    backlog_spike,
    backlog_task,
)

SYSTEM = "system"


class BacklogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def item_for(self, touchpoint: str, root_cause: str | None) -> Row[Any] | None:
        """The item of (touchpoint, root cause), locked until commit (a revival and a
        committee's change never interleave)."""
        cause = (
            backlog_item.c.root_cause.is_(None)
            if root_cause is None
            else backlog_item.c.root_cause == root_cause
        )
        query = (
            select(backlog_item)
            .where(backlog_item.c.touchpoint == touchpoint, cause)
            .with_for_update()
        )
        return (await self.session.execute(query)).first()

    async def create_item(
        self, touchpoint: str, root_cause: str | None, department: str | None
    ) -> Row[Any]:
        """The item of (touchpoint, root cause), created as proposed unless it exists."""
        values = {
            "id": uuid.uuid4().hex,
            "touchpoint": touchpoint,
            "root_cause": root_cause,
            "department": department,
            "status": ItemStatus.PROPOSED.value,
            "updated_by": SYSTEM,
        }
        stmt = insert(backlog_item).values(values).on_conflict_do_nothing()
        await self.session.execute(stmt)
        row = await self.item_for(touchpoint, root_cause)
        assert row is not None
        return row

    async def revive(self, item_id: str) -> None:
        await self.session.execute(
            update(backlog_item)
            .where(backlog_item.c.id == item_id)
            .values(
                status=ItemStatus.PROPOSED.value,
                closed_at=None,
                updated_at=func.now(),
                updated_by=SYSTEM,
            )
        )

    async def recurs(
        self,
        touchpoint: str,
        root_cause: str,
        tasks: int,
        span: timedelta,
        opened_after: datetime | None,
    ) -> bool:
        """Whether ``tasks`` tasks at the touchpoint carrying the root cause were opened
        within ``span`` of each other (and after ``opened_after``, when given)."""
        opened = backlog_task.c.opened_at
        conditions = [
            backlog_task.c.touchpoint == touchpoint,
            backlog_task.c.root_cause == root_cause,
        ]
        if opened_after is not None:
            conditions.append(opened > opened_after)
        nth = func.lead(opened, tasks - 1).over(order_by=opened)
        spans = select((nth - opened).label("span")).where(*conditions).subquery()
        query = select(literal(1)).select_from(spans).where(spans.c.span <= span).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def save_tasks(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert each task, or replace the stored one if this change is newer."""
        if not rows:
            return
        stmt = insert(backlog_task)
        columns = [c.name for c in backlog_task.c if c.name != "task_id"]
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[backlog_task.c.task_id],
                set_={name: stmt.excluded[name] for name in columns},
                where=backlog_task.c.change_number < stmt.excluded.change_number,
            ),
            sorted(rows, key=lambda row: row["task_id"]),
        )

    async def spike(self, alert_id: str) -> Row[Any] | None:
        query = select(backlog_spike).where(backlog_spike.c.alert_id == alert_id)
        return (await self.session.execute(query)).first()

    async def add_spike(self, values: Mapping[str, Any]) -> None:
        await self.session.execute(insert(backlog_spike).values(dict(values)))

    async def update_spike(self, alert_id: str, values: Mapping[str, Any]) -> None:
        await self.session.execute(
            update(backlog_spike).where(backlog_spike.c.alert_id == alert_id).values(dict(values))
        )

    async def add_negatives(self, counts: Mapping[tuple[str, date, str], int]) -> None:
        """Add to the daily counts, keyed (touchpoint, day, value tier or "")."""
        if not counts:
            return
        stmt = insert(backlog_negative_day)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[c.name for c in backlog_negative_day.primary_key],
                set_={"negatives": backlog_negative_day.c.negatives + stmt.excluded.negatives},
            ),
            [
                {"touchpoint": tp, "day": day, "value_tier": tier, "negatives": n}
                for (tp, day, tier), n in sorted(counts.items())
            ],
        )

    async def prune(self, processed_before: datetime, days_before: date) -> None:
        """Forget event ids applied before ``processed_before`` and counts of days before
        ``days_before``."""
        await self.session.execute(
            delete(backlog_processed_event).where(
                backlog_processed_event.c.processed_at < processed_before
            )
        )
        await self.session.execute(
            delete(backlog_negative_day).where(backlog_negative_day.c.day < days_before)
        )
