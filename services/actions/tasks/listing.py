"""The task list (``GET /v1/tasks``) read in one statement on a plain asyncpg connection
(``shared.db.pool``).

The console reads two pages of it for every view of a referent's tasks. Through the ORM
session a page paid, besides its query, a ``BEGIN`` and a ``ROLLBACK`` (two more round
trips), the statement's building and an ORM object per row: more CPU than the read itself.
The statement is written out rather than built with ``select()``: building and compiling
it took 0.8 ms of CPU per read, caching it by its SQLAlchemy cache key still 0.1 ms, the
text here 2 µs. It depends only on which filters are set, so the driver keeps each variant
prepared per connection.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import Any, cast

from sqlalchemy import Table

from services.actions.tasks.models import Task
from services.actions.tasks.schemas import TaskFilter, TaskRead
from shared.events.actions import ACTIVE_STATUSES

_TABLE = cast(Table, Task.__table__)
# every field of a TaskRead but "overdue", which is computed
_COLUMNS = ", ".join(name for name in TaskRead.model_fields if name in _TABLE.c)
_ACTIVE = "status IN ({})".format(", ".join(sorted(f"'{s.value}'" for s in ACTIVE_STATUSES)))
# each order: its column, its direction, and how a row after a position compares to it
_ORDERS = {"opened": ("opened_at", "DESC", "<"), "due": ("due_at", "ASC", ">")}


def sorted_by(order: str) -> str:
    """The column of ``order`` (opened, due): a page's position is its last row's."""
    return _ORDERS[order][0]


_EQUAL = {
    "department": "department",
    "touchpoint": "touchpoint",
    "persona": "persona",
    "customer": "customer_id",
    "status": "status",
    "priority": "priority",
}


async def page(
    connection: Any,
    filters: TaskFilter,
    now: datetime,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Tasks matching ``filters`` in their ``order``: newest opened first by (opened_at, id),
    or soonest due first by (due_at, id); strictly after ``after``, a position in that
    order: at most ``limit`` rows, each a TaskRead's fields but ``overdue``."""
    statement, arguments = page_statement(filters, now, after, limit)
    return [dict(row) for row in await connection.fetch(statement, *arguments)]


def page_statement(
    filters: TaskFilter, now: datetime, after: tuple[datetime, str] | None, limit: int
) -> tuple[str, list[Any]]:
    """The SQL of :func:`page` and its arguments ($1, $2…), in the order they appear."""
    arguments: list[Any] = []

    def argument(value: Any, cast_to: str) -> str:
        arguments.append(value.value if isinstance(value, Enum) else value)
        return f"${len(arguments)}::{cast_to}"

    where = _filtered(filters, now, argument)
    column, direction, beyond = _ORDERS[filters.order]
    if after is not None:
        at, task_id = argument(after[0], "timestamptz"), argument(after[1], "varchar")
        where.append(f"({column}, id) {beyond} ({at}, {task_id})")
    # column names and $n placeholders only: every value is an argument
    statement = (
        f"SELECT {_COLUMNS} FROM {_TABLE.fullname} WHERE {' AND '.join(where) or 'true'} "  # noqa: S608
        f"ORDER BY {column} {direction}, id {direction} LIMIT {argument(limit, 'integer')}"
    )
    return statement, arguments


def _filtered(filters: TaskFilter, now: datetime, argument: Callable[[Any, str], str]) -> list[str]:
    """The conditions ``filters`` set, in SQL."""
    where = [
        f"{column} = {argument(getattr(filters, name), 'varchar')}"
        for name, column in _EQUAL.items()
        if getattr(filters, name) is not None
    ]
    if filters.active is not None:
        where.append(f"({_ACTIVE})" if filters.active else f"NOT ({_ACTIVE})")
    if filters.overdue is not None:
        at = argument(now, "timestamptz")
        if filters.overdue:
            where.append(f"({_ACTIVE} AND due_at <= {at})")
        elif filters.active:
            # active and not overdue: due later, a range the index of due times reads
            where.append(f"due_at > {at}")
        else:
            where.append(f"NOT ({_ACTIVE} AND due_at <= {at})")
    return where
