"""Statements that take a row set as array parameters.

``INSERT … SELECT * FROM unnest($1::type[], $2::type[], …)`` costs PostgreSQL one statement
and the client one parameter per column, whatever the number of rows; asyncpg encodes the
arrays natively. A multi-row ``VALUES`` list instead binds and converts every value of
every row in Python. For whole rows, one array of the table's row type
(``unnest($1::schema.table[])``, each row a tuple) costs the client less again: asyncpg
checks each element of an array for nesting with an ``isinstance`` against the
``collections.abc`` classes, a call into Python each, so once per row instead of once per
value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class ArrayStatement:
    sql: str
    columns: tuple[str, ...]
    as_records: bool = False  # one parameter of the table's row type, not one per column

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

    @classmethod
    def insert_records(cls, table: Table, suffix: str = "") -> ArrayStatement:
        """``INSERT INTO table SELECT * FROM unnest($1::table[])`` followed by ``suffix``:
        every column, the rows sent as one array of the table's row type. Its fields are the
        table's columns in the database's order, which must be the metadata's (a test
        compares them after the migrations)."""
        names = tuple(c.name for c in table.columns)
        # Names come from the table's metadata and suffixes from code, never from input.
        sql = (
            f"INSERT INTO {table.schema}.{table.name} ({', '.join(names)}) "  # noqa: S608
            f"SELECT * FROM unnest($1::{table.schema}.{table.name}[]) {suffix}"
        )
        return cls(sql, names, as_records=True)

    def arrays(self, rows: Sequence[Mapping[str, Any]]) -> list[list[Any]]:
        """The parameters, rows in order: one list per column (missing keys are NULL), or
        one list of tuples in the columns' order (every key needed: a missing one raises
        ``KeyError``)."""
        if self.as_records:
            return [list(map(itemgetter(*self.columns), rows))]
        return [[row.get(name) for row in rows] for name in self.columns]
