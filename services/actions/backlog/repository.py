"""Every query of the backlog: its consumers' (``BacklogRepository``) and its API's
(``BacklogReads``)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog.models import (
    OPEN_STATUSES,
    ItemStatus,
    backlog_item,
    backlog_negative_day,
    backlog_spike,
    backlog_task,
    backlog_term_day,
)
from shared.db.shapes import given

SYSTEM = "system"


class BacklogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def item_for(
        self, touchpoint: str, root_cause: str | None, term: str | None = None
    ) -> Row[Any] | None:
        """The item of (touchpoint, root cause, term), locked until commit (a revival and a
        committee's change never interleave)."""
        query = (
            select(backlog_item)
            .where(
                backlog_item.c.touchpoint == touchpoint,
                backlog_item.c.root_cause.is_not_distinct_from(root_cause),
                backlog_item.c.term.is_not_distinct_from(term),
            )
            .with_for_update()
        )
        return (await self.session.execute(query)).first()

    async def create_item(
        self,
        touchpoint: str,
        root_cause: str | None,
        department: str | None,
        *,
        term: str | None = None,
        notes: str | None = None,
        by: str = SYSTEM,
    ) -> tuple[Row[Any], bool]:
        """The item of (touchpoint, root cause, term), created as proposed unless it exists;
        and whether this call created it."""
        values = {
            "id": uuid.uuid4().hex,
            "touchpoint": touchpoint,
            "root_cause": root_cause,
            "term": term,
            "department": department,
            "status": ItemStatus.PROPOSED.value,
            "notes": notes,
            "updated_by": by,
        }
        stmt = insert(backlog_item).values(values).on_conflict_do_nothing()
        created = (await self.session.execute(stmt.returning(backlog_item.c.id))).first()
        row = await self.item_for(touchpoint, root_cause, term)
        assert row is not None
        return row, created is not None

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

    async def add_term_negatives(self, counts: Mapping[tuple[str, str, date, str], int]) -> None:
        """Add to the daily counts, keyed (touchpoint, term, day, value tier or "")."""
        if not counts:
            return
        stmt = insert(backlog_term_day)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[c.name for c in backlog_term_day.primary_key],
                set_={"negatives": backlog_term_day.c.negatives + stmt.excluded.negatives},
            ),
            [
                {"touchpoint": tp, "term": term, "day": day, "value_tier": tier, "negatives": n}
                for (tp, term, day, tier), n in sorted(counts.items())
            ],
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
        shape, values = given(
            {
                "statuses": None if statuses is None else list(statuses),
                "touchpoints": list(touchpoints) or None,
                "department": department,
            }
        )
        return list(await self.session.execute(_items_query(shape), values))

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

    async def term_counts(
        self, touchpoints: Collection[str], first_day: date, last_day: date
    ) -> list[Row[Any]]:
        """Per (touchpoint, term, value tier): negative moments holding the term, of the
        days first_day..last_day, for the terms of the backlog's items only."""
        day, item = backlog_term_day.c, backlog_item.c
        query = (
            select(day.touchpoint, day.term, day.value_tier, func.sum(day.negatives).label("n"))
            .join(
                backlog_item,
                and_(item.touchpoint == day.touchpoint, item.term == day.term),
            )
            .where(day.touchpoint.in_(list(touchpoints)), day.day.between(first_day, last_day))
            .group_by(day.touchpoint, day.term, day.value_tier)
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
        shape, values = given(
            {
                "opened_from": opened_from,
                "opened_to": opened_to,
                "touchpoint": touchpoint,
                "department": department,
            }
        )
        return list(await self.session.execute(_cause_counts_query(shape), values))


# The committee's reads, each statement built once per shape (shared.db.shapes).
_ITEM_TESTS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "statuses": lambda: backlog_item.c.status.in_(bindparam("statuses", expanding=True)),
    "touchpoints": lambda: backlog_item.c.touchpoint.in_(bindparam("touchpoints", expanding=True)),
    "department": lambda: backlog_item.c.department == bindparam("department"),
}
_CAUSE_TESTS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "opened_from": lambda: backlog_task.c.opened_at >= bindparam("opened_from"),
    "opened_to": lambda: backlog_task.c.opened_at < bindparam("opened_to"),
    "touchpoint": lambda: backlog_task.c.touchpoint == bindparam("touchpoint"),
    "department": lambda: backlog_task.c.department == bindparam("department"),
}


@functools.cache
def _items_query(shape: tuple[str, ...]) -> Select[Any]:
    return select(backlog_item).where(*(_ITEM_TESTS[name]() for name in shape))


@functools.cache
def _cause_counts_query(shape: tuple[str, ...]) -> Select[Any]:
    task = backlog_task.c
    query = _task_totals(task.root_cause, task.value_tier)
    return query.where(*(_CAUSE_TESTS[name]() for name in shape))


def _task_totals(*keys: Any) -> Select[Any]:
    return select(
        *keys,
        func.count().label("tasks"),
        func.sum(backlog_task.c.occurrences).label("occurrences"),
    ).group_by(*keys)
