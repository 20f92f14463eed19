"""Statements that take each column of a row set as one array parameter.

``INSERT … SELECT * FROM unnest($1::type[], $2::type[], …)`` costs PostgreSQL one statement
and the client one parameter per column, whatever the number of rows; asyncpg encodes the
arrays natively. A multi-row ``VALUES`` list instead binds and converts every value of
every row in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class ArrayStatement:
    sql: str
    columns: tuple[str, ...]

    @classmethod
    def insert(
        cls, table: Table, suffix: str = "", columns: Sequence[str] | None = None
    ) -> ArrayStatement:
        """``INSERT INTO table (columns) SELECT * FROM unnest(...)`` followed by ``suffix``
        (an ``ON CONFLICT`` clause); every column of the table by default."""
        names = tuple(columns or [c.name for c in table.columns])
        arrays = ", ".join(
            f"${i}::{table.c[name].type.compile(dialect=_DIALECT)}[]"
            for i, name in enumerate(names, 1)
        )
        # Names come from the table's metadata and suffixes from code, never from input.
        sql = (
            f"INSERT INTO {table.schema}.{table.name} ({', '.join(names)}) "  # noqa: S608
            f"SELECT * FROM unnest({arrays}) {suffix}"
        )
        return cls(sql, names)

    def arrays(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """The parameters: one list per column, rows in order (missing keys are NULL)."""
        return [[row.get(name) for row in rows] for name in self.columns]
