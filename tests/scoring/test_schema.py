"""The migrations build exactly the tables the code declares."""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from services.scoring.models import metadata
from tests.scoring.conftest import Scoring


async def test_migrated_schema_matches_the_models(scoring: Scoring) -> None:
    def columns(conn: Any) -> dict[str, set[tuple[str, str]]]:
        inspector = inspect(conn)
        return {
            table: {
                (c["name"], type(c["type"]).__name__)
                for c in inspector.get_columns(table, "scoring")
            }
            for table in ("customer", "signal", "touchpoint_latest", "touchpoint_day")
        }

    async with scoring.sessions() as session:
        migrated = await (await session.connection()).run_sync(columns)

    declared = {
        table.name: {(c.name, type(c.type).__name__) for c in table.columns}
        for table in metadata.sorted_tables
        if table.name in migrated
    }
    normalise = {
        "FLOAT": "Float",
        "DOUBLE_PRECISION": "Float",
        "VARCHAR": "String",
        "SMALLINT": "SmallInteger",
        "INTEGER": "Integer",
        "BOOLEAN": "Boolean",
        "DATE": "Date",
        "TIMESTAMP": "DateTime",
    }
    migrated = {t: {(n, normalise.get(k, k)) for n, k in cols} for t, cols in migrated.items()}
    assert migrated == declared


async def test_migrated_indexes_match_the_models(scoring: Scoring) -> None:
    tables = ("customer", "signal", "touchpoint_latest", "touchpoint_day")

    def indexes(conn: Any) -> set[tuple[str, str, tuple[str, ...], bool]]:
        inspector = inspect(conn)
        return {
            (
                table,
                i["name"],
                tuple(i["column_names"]),
                bool(i.get("dialect_options", {}).get("postgresql_where")),
            )
            for table in tables
            for i in inspector.get_indexes(table, "scoring")
        }

    async with scoring.sessions() as session:
        migrated = await (await session.connection()).run_sync(indexes)

    declared = {
        (
            table.name,
            str(i.name),
            tuple(c.name for c in i.columns),
            i.dialect_options["postgresql"]["where"] is not None,
        )
        for table in metadata.sorted_tables
        if table.name in tables
        for i in table.indexes
    }
    assert migrated == declared
