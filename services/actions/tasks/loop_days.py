"""The closed-loop counts from the counts kept per day (``task_loop_day``), exactly.

A period ``[since, until)`` is cut into the whole UTC days it holds, added up from the day
rows, and its edges (the part of a day before the first whole one, after the last), counted
from their tasks. The recovery counts depend on the cutoff (now − the recovery period):
rows resolved on an earlier day have passed it, rows resolved on a later day have not, and
the tasks resolved on the cutoff's own day are counted one by one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select

from services.actions.tasks.models import TaskLoopDay

Day = TaskLoopDay
_whole = {
    "tasks": Day.tasks,
    "acknowledged": Day.acknowledged,
    "within_sla": Day.within_sla,
    "recontacted": Day.recontacted,
}


@dataclass(frozen=True)
class LoopCounts:
    """The closed-loop counts of some tasks; ``recovery_sum`` the exact sum of the LXI
    changes of the ``recovery_tasks``."""

    tasks: int = 0
    acknowledged: int = 0
    resolved: int = 0
    within_sla: int = 0
    recontacted: int = 0
    recovery_tasks: int = 0
    recovery_pending: int = 0
    recovery_sum: Decimal = Decimal(0)

    def __add__(self, other: LoopCounts) -> LoopCounts:
        return LoopCounts(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )

    @property
    def recovery(self) -> float | None:
        """The mean LXI change of the tasks whose recovery period has passed."""
        if not self.recovery_tasks:
            return None
        return float(self.recovery_sum / self.recovery_tasks)

    @classmethod
    def of(cls, row: Any) -> LoopCounts:
        """From a row with every field's label (None for a sum over no rows)."""
        values = {f: getattr(row, f) for f in cls.__dataclass_fields__}
        sum_ = values.pop("recovery_sum")
        counts = {f: int(v or 0) for f, v in values.items()}
        return cls(**counts, recovery_sum=Decimal(sum_ or 0))


@dataclass(frozen=True)
class Split:
    """``[since, until)`` as the whole days ``[first, end)`` (None: unbounded on that side)
    and the ``edges`` outside them; no days at all when it holds no whole day."""

    edges: list[tuple[datetime | None, datetime | None]]
    days: tuple[date | None, date | None] | None


def split(since: datetime | None, until: datetime | None) -> Split:
    first = _day_from(since) if since is not None else None
    end = until.astimezone(UTC).date() if until is not None else None
    if (since is not None and first is None) or (first and end and first >= end):
        return Split([(since, until)], None)  # no whole day (or none that a date can hold)
    edges: list[tuple[datetime | None, datetime | None]] = []
    if since is not None and first is not None and since < midnight(first):
        edges.append((since, midnight(first)))
    if until is not None and end is not None and midnight(end) < until:
        edges.append((midnight(end), until))
    return Split(edges, (first, end))


def _day_from(instant: datetime) -> date | None:
    """The first UTC day that starts at or after ``instant``; None past the last date."""
    day = instant.astimezone(UTC).date()
    if midnight(day) == instant:
        return day
    return day + timedelta(days=1) if day < date.max else None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


@functools.cache
def days_query(shape: tuple[str, ...]) -> Select[Any]:
    """The counts of the day rows of a scope of this ``shape`` (``department``,
    ``touchpoint``, ``first``, ``end``: each tested when given), split at ``cutoff_day``; and
    the first and last day of opening of the rows resolved on that day (the tasks
    ``loop_repository.resolved_on_query`` counts)."""
    resolved = func.isfinite(Day.resolved_on)
    passed = Day.resolved_on < bindparam("cutoff_day", type_=Day.resolved_on.type)
    pending = Day.resolved_on > bindparam("cutoff_day", type_=Day.resolved_on.type)
    on_cutoff = Day.resolved_on == bindparam("cutoff_day", type_=Day.resolved_on.type)
    columns: list[Any] = [
        *(func.sum(column).label(name) for name, column in _whole.items()),
        func.sum(Day.tasks).filter(resolved).label("resolved"),
        func.sum(Day.recovered).filter(passed).label("recovery_tasks"),
        func.sum(Day.tasks).filter(pending, resolved).label("recovery_pending"),
        func.sum(Day.lxi_change).filter(passed).label("recovery_sum"),
        func.min(Day.opened_on).filter(on_cutoff).label("cutoff_first"),
        func.max(Day.opened_on).filter(on_cutoff).label("cutoff_last"),
    ]
    return select(*columns).where(*(_DAY_TESTS[name]() for name in shape))


_DAY_TESTS: dict[str, Any] = {
    # '' stands for "no department" in the day rows: a department asked for is never it
    "department": lambda: _department(),
    "touchpoint": lambda: Day.touchpoint == bindparam("touchpoint"),
    "first": lambda: Day.opened_on >= bindparam("first", type_=Day.opened_on.type),
    "end": lambda: Day.opened_on < bindparam("end", type_=Day.opened_on.type),
}


def _department() -> ColumnElement[bool]:
    return (Day.department == bindparam("department")) & (Day.department != "")
