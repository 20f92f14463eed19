from __future__ import annotations

from typing import Any

from sqlalchemy import inspect

from services.actions.tasks.models import Base
from tests.actions.tasks.conftest import Tasks

TABLES = {"task", "task_change", "task_comment", "task_moment", "task_inbox", "customer_latest_lxi"}


async def test_migrated_tables_match_the_models(tasks: Tasks) -> None:
    tables = [t for t in Base.metadata.sorted_tables if t.name in TABLES]
    assert {t.name for t in tables} == TABLES

    def shape(conn: Any) -> dict[str, Any]:
        inspector = inspect(conn)
        return {
            t.name: (
                {c["name"] for c in inspector.get_columns(t.name, "actions")},
                {i["name"] for i in inspector.get_indexes(t.name, "actions")},
            )
            for t in tables
        }

    async with tasks.sessions() as session:
        migrated = await (await session.connection()).run_sync(shape)

    assert migrated == {
        t.name: ({c.name for c in t.columns}, {i.name for i in t.indexes}) for t in tables
    }
