"""The closed-loop report's queries: the counts over a scope of tasks (whole days from the
counts kept per day, see ``loop_days``; the rest from the tasks), then the hours at the
ranks of their percentiles (each found in its bucket of hours where ``loop_hours`` can).
Each statement is built once per shape of scope (which of its filters are given; see
``shared.db.shapes``), its values bound when it runs."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Float,
    Numeric,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal,
    not_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks import loop_hours
from services.actions.tasks.loop_days import LoopCounts, days_query, midnight, split
from services.actions.tasks.loop_hours import Read
from services.actions.tasks.models import Task
from services.actions.tasks.percentile import Rank
from shared.db.shapes import given

# The index is read from memory. At the default cost of its pages (4: a disk seek each),
# PostgreSQL prefers to read the whole table for a long period, which takes about twice the
# CPU; 1.1 is the usual cost of a page in memory or on SSD. Without percentiles the counts
# can be split among parallel workers: that spends more CPU in all (starting them, merging)
# for a report read by many people at once. The LXI changes are summed exactly as numeric
# from their shortest text that reads back as the same float (extra_float_digits ≥ 1), as
# the day rows' trigger sums them.
_REPORT_SETTINGS = text(
    "SELECT set_config('random_page_cost', '1.1', true),"
    " set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('extra_float_digits', '1', true)"
)


@dataclass(frozen=True)
class LoopScope:
    """The tasks a report covers: opened in [``since``, ``until``), of ``department`` and
    ``touchpoint``; each filter only when given."""

    department: str | None = None
    touchpoint: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def shaped(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        """The filters given, and their values (``shared.db.shapes.given``)."""
        # its own fields, not asdict's deep copies of each value (a committee report asks
        # this a dozen times)
        return given({f.name: getattr(self, f.name) for f in fields(self)})


_TESTS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "department": lambda: Task.department == bindparam("department"),
    "touchpoint": lambda: Task.touchpoint == bindparam("touchpoint"),
    "since": lambda: Task.opened_at >= bindparam("since"),
    "until": lambda: Task.opened_at < bindparam("until"),
}


class ClosedLoopReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def counts(self, scope: LoopScope, now: datetime, recovery_days: float) -> LoopCounts:
        """The closed-loop counts over the tasks of ``scope``: its whole UTC days from the
        day rows, the rest of its period from the tasks; the recovery's as of ``now``."""
        await self.session.execute(_REPORT_SETTINGS)
        cutoff = now - timedelta(days=recovery_days)
        period = split(scope.since, scope.until)
        total = LoopCounts()
        for since, until in period.edges:
            total += await self._tasks(replace(scope, since=since, until=until), cutoff)
        if period.days is not None:
            total += await self._days(scope, period.days, cutoff)
        return total

    async def _tasks(self, scope: LoopScope, cutoff: datetime) -> LoopCounts:
        shape, values = scope.shaped()
        query = closed_loop_query(shape)
        return LoopCounts.of(
            (await self.session.execute(query, {**values, "cutoff": cutoff})).one()
        )

    async def _days(self, scope: LoopScope, days: tuple[Any, Any], cutoff: datetime) -> LoopCounts:
        """The whole days ``[first, end)`` of ``scope`` from their rows; the tasks resolved
        on the cutoff's day, on either side of it, one by one."""
        cutoff_day = cutoff.astimezone(UTC).date()
        filters = {"department": scope.department, "touchpoint": scope.touchpoint}
        shape, values = given({**filters, "first": days[0], "end": days[1]})
        row = (
            await self.session.execute(days_query(shape), {**values, "cutoff_day": cutoff_day})
        ).one()
        counts = LoopCounts.of(row)
        if row.cutoff_first is None:
            return counts
        opened = (midnight(row.cutoff_first), midnight(row.cutoff_last) + timedelta(days=1))
        on_cutoff_day = replace(scope, since=opened[0], until=opened[1])
        resolved = (midnight(cutoff_day), midnight(cutoff_day) + timedelta(days=1))
        return counts + await self._resolved_on(on_cutoff_day, resolved, cutoff)

    async def _resolved_on(
        self, scope: LoopScope, resolved: tuple[datetime, datetime], cutoff: datetime
    ) -> LoopCounts:
        """The recovery counts of the tasks of ``scope`` resolved in ``resolved``."""
        shape, values = scope.shaped()
        bounds = {"resolved_from": resolved[0], "resolved_to": resolved[1], "cutoff": cutoff}
        row = (await self.session.execute(resolved_on_query(shape), {**values, **bounds})).one()
        return LoopCounts(
            recovery_tasks=row.recovery_tasks,
            recovery_pending=row.recovery_pending,
            recovery_sum=row.recovery_sum or LoopCounts.recovery_sum,
        )

    async def located(self, scope: LoopScope, ranks: dict[str, Rank]) -> dict[str, Read]:
        """Per name (``"<measure>:<anything>"``, a measure of ``loop_hours.MEASURES``),
        where the values at its rank are read: within their bucket of hours when the scope
        is a period of any department and touchpoint (the counts per bucket are kept for
        those, see ``loop_hours``), else from the nearer end of all."""
        if not ranks or scope.department is not None or scope.touchpoint is not None:
            return {name: loop_hours.whole(at) for name, at in ranks.items()}
        period = split(scope.since, scope.until)
        values: dict[str, Any] = {"edges": list(loop_hours.EDGES)}
        days = None
        if period.days is not None:
            days, given_days = given({"first": period.days[0], "end": period.days[1]})
            values.update(given_days)
        edges = []
        for index, (since, until) in enumerate(period.edges):
            shape, given_edge = given({"since": since, "until": until})
            edges.append(shape)
            values.update({f"{name}_{index}": value for name, value in given_edge.items()})
        query = loop_hours.buckets_query(days, tuple(edges))
        counts = loop_hours.per_bucket(await self.session.execute(query, values))
        return {
            name: loop_hours.located(at, counts[name.split(":", 1)[0]])
            for name, at in ranks.items()
        }

    async def at_ranks(
        self, scope: LoopScope, wanted: Sequence[tuple[str, Read]]
    ) -> dict[str, tuple[float, float]]:
        """Per name (``"<measure>:<anything>"``, a measure of ``loop_hours.MEASURES``), the
        lowest and highest of the hours read where ``wanted`` says (see ``loop_hours.Read``)
        among the tasks of ``scope``, in one round trip."""
        if not wanted:
            return {}
        parts = tuple((name, at.from_top, at.count, at.bound is not None) for name, at in wanted)
        reads: dict[str, Any] = {}
        for index, (_, at) in enumerate(wanted):
            reads[f"skip_{index}"] = at.skipped
            if at.bound is not None:
                reads[f"bound_{index}"] = at.bound
        shape, values = scope.shaped()
        rows = await self.session.execute(ranks_query(shape, parts), {**values, **reads})
        return {row.name: (row.low, row.high) for row in rows}


@functools.cache
def closed_loop_query(shape: tuple[str, ...]) -> Select[Any]:
    """The closed-loop counts in one pass over the tasks of a scope of this ``shape``
    (bound: its values, and ``cutoff``, the latest resolution whose recovery period has
    passed); it reads only columns of the ``task_closed_loop`` index, so a period's tasks
    are read from the index alone. The percentiles are read by ``at_ranks`` once these
    counts are known."""
    resolved = Task.resolved_at.is_not(None)
    passed, measured = _recovery()
    columns: list[Any] = [
        func.count().label("tasks"),
        func.count(Task.ack_hours).label("acknowledged"),
        func.count(Task.resolved_at).label("resolved"),
        func.count().filter(Task.resolved_at <= Task.sla_due_at).label("within_sla"),
        func.count().filter(and_(resolved, Task.customer_recontacted)).label("recontacted"),
        func.count().filter(measured).label("recovery_tasks"),
        func.count().filter(and_(resolved, not_(passed))).label("recovery_pending"),
        func.sum(_lxi_change()).filter(measured).label("recovery_sum"),
    ]
    return select(*columns).where(*(_TESTS[name]() for name in shape))


@functools.cache
def resolved_on_query(shape: tuple[str, ...]) -> Select[Any]:
    """The recovery counts of the tasks of a scope of this ``shape`` resolved in
    [``resolved_from``, ``resolved_to``) (bound, with ``cutoff``)."""
    passed, measured = _recovery()
    columns: list[Any] = [
        func.count().filter(measured).label("recovery_tasks"),
        func.count().filter(not_(passed)).label("recovery_pending"),
        func.sum(_lxi_change()).filter(measured).label("recovery_sum"),
    ]
    return select(*columns).where(
        *(_TESTS[name]() for name in shape),
        Task.resolved_at >= bindparam("resolved_from", type_=Task.resolved_at.type),
        Task.resolved_at < bindparam("resolved_to", type_=Task.resolved_at.type),
    )


def _recovery() -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """Resolved no later than ``cutoff``; and that with both LXIs known."""
    passed = Task.resolved_at <= bindparam("cutoff", type_=Task.resolved_at.type)
    return passed, and_(passed, Task.lxi_at_opening.is_not(None), Task.recovery_lxi.is_not(None))


def _lxi_change() -> ColumnElement[Any]:
    """A task's LXI change as an exact numeric (see ``_REPORT_SETTINGS``)."""
    return cast(cast(Task.recovery_lxi - Task.lxi_at_opening, Text), Numeric)


@functools.cache
def ranks_query(
    shape: tuple[str, ...], parts: tuple[tuple[str, bool, int, bool], ...]
) -> CompoundSelect[Any]:
    """Per part (name, from the top, how many read, bounded), the one or two hours of its
    measure read from the nearer end of its index (``task_ack_hours``,
    ``task_resolve_hours``: the measure, then the columns a scope tests), not sorting the
    period (bound: ``skip_<index>``, the values passed from that end; ``bound_<index>``
    when bounded, the hours from the top below it, from the bottom at or above it)."""
    where = [_TESTS[name]() for name in shape]
    selects = []
    for index, (name, from_top, count, bounded) in enumerate(parts):
        hours = loop_hours.MEASURES[name.split(":", 1)[0]]
        tests = [hours.is_not(None), *where]
        if bounded:
            bound = bindparam(f"bound_{index}", type_=Float)
            tests.append(hours < bound if from_top else hours >= bound)
        read = (
            select(hours.label("hours"))
            .where(*tests)
            .order_by(hours.desc() if from_top else hours.asc())
            .offset(bindparam(f"skip_{index}"))
            .limit(count)
            .subquery()
        )
        selects.append(
            select(
                literal(name).label("name"),
                func.min(read.c.hours).label("low"),
                func.max(read.c.hours).label("high"),
            )
        )
    return union_all(*selects)
