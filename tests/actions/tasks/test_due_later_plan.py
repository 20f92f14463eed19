"""What a page of the tasks due later costs PostgreSQL among many active tasks: read from
``task_active_due`` in its order, a page's rows and no more, not every active task sorted."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from services.actions.tasks.listing import page_statement
from services.actions.tasks.schemas import TaskFilter
from tests.conftest import Infra, fresh_database, plan_nodes

TASKS = 20_000  # active: the first half overdue at NOW, the second due later
NOW = datetime(2031, 6, 1, tzinfo=UTC)

_FILL = """
INSERT INTO actions.task (id, customer_id, touchpoint, status, priority, priority_score,
                          severity, escalation_level, occurrences, alert_ids, opened_at,
                          due_at, sla_due_at, changes, customer_recontacted)
SELECT 'task-' || i, 'customer-' || i, 'checkout', 'open', 'high', 0.5, 3, 0, 1, '{}',
       $2::timestamptz - interval '30 days' + i * interval '1 minute',
       $2::timestamptz - ($1::int / 2) * interval '1 minute' + i * interval '1 minute',
       $2::timestamptz + i * interval '1 minute', 1, false
FROM generate_series(1, $1::int) AS i
"""


@pytest.fixture(scope="module")
async def active(infra: Infra) -> AsyncIterator[Any]:
    """A connection to a database holding :data:`TASKS` active tasks, analysed."""
    async with fresh_database(infra, "due_later", ["actions"]) as url:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await connection.execute(_FILL, TASKS, NOW)
            await connection.execute("VACUUM (ANALYZE) actions.task")
            yield connection
        finally:
            await connection.close()


@pytest.mark.parametrize("after", [None, "second page"])
async def test_a_page_due_later_reads_its_rows_from_the_index(active: Any, after: Any) -> None:
    filters = TaskFilter(active=True, overdue=False, order="due")
    statement, arguments = page_statement(filters, NOW, None, 51)
    if after is not None:
        last = (await active.fetch(statement, *arguments))[-1]
        statement, arguments = page_statement(filters, NOW, (last["due_at"], last["id"]), 51)
    async with active.transaction():
        explained = await active.fetchval(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", *arguments
        )
        rows = await active.fetch(statement, *arguments)

    assert len(rows) == 51
    assert all(row["due_at"] > NOW for row in rows)
    assert [row["due_at"] for row in rows] == sorted(row["due_at"] for row in rows)
    plan = json.loads(explained)[0]["Plan"]
    scans = [node for node in plan_nodes(plan) if node.get("Relation Name") == "task"]
    assert [node.get("Index Name") for node in scans] == ["task_active_due"]
    assert not [node for node in plan_nodes(plan) if node["Node Type"] == "Sort"]
    assert plan["Shared Hit Blocks"] + plan["Shared Read Blocks"] < 200
