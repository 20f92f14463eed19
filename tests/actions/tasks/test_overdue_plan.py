"""What the escalation sweep costs PostgreSQL when many overdue tasks are escalated as far
as they go: they are skipped in ``task_due`` (the level is tested in the index), not read
one by one from the table at every sweep."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from sqlalchemy.dialects import postgresql

from services.actions.tasks.repository import overdue_query
from tests.conftest import Infra, fresh_database, plan_nodes

MAX_LEVEL = 3
STUCK = 20_000  # overdue, at the last level
DUE = 5  # overdue, below it
NOW = datetime(2031, 6, 1, tzinfo=UTC)

_FILL = """
INSERT INTO actions.task (id, customer_id, touchpoint, status, priority, priority_score,
                          severity, escalation_level, occurrences, alert_ids, opened_at,
                          due_at, sla_due_at, changes, customer_recontacted)
SELECT 'task-' || i, 'customer-' || i, 'checkout', 'open', 'critical', 0.5, 3,
       CASE WHEN i % ($1::int / $2::int) = 0 THEN 0 ELSE $3::int END, 1, '{}',
       $4::timestamptz - interval '30 days' + i * interval '1 minute',
       $4::timestamptz - interval '28 days' + i * interval '1 minute',
       $4::timestamptz - interval '28 days' + i * interval '1 minute', 1, false
FROM generate_series(1, $1::int) AS i
"""


@pytest.fixture(scope="module")
async def piled_up(infra: Infra) -> AsyncIterator[Any]:
    """A connection to a database holding :data:`STUCK` overdue tasks at the last level
    and :data:`DUE` below it, vacuumed and analysed."""
    async with fresh_database(infra, "overdue", ["actions"]) as url:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await connection.execute(_FILL, STUCK, DUE, MAX_LEVEL, NOW)
            await connection.execute("VACUUM (ANALYZE) actions.task")
            yield connection
        finally:
            await connection.close()


async def _explained(connection: Any) -> tuple[dict[str, Any], list[Any]]:
    """The sweep's plan as it ran (JSON, with buffers) and its rows."""
    compiled = overdue_query(NOW, 100, MAX_LEVEL).compile(
        dialect=postgresql.asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    arguments = [compiled.params[name] for name in compiled.positiontup or ()]
    async with connection.transaction():
        explained = await connection.fetchval(
            f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}", *arguments
        )
        rows = await connection.fetch(str(compiled), *arguments)
    return json.loads(explained)[0]["Plan"], rows


async def test_the_sweep_skips_the_tasks_at_the_last_level_in_the_index(piled_up: Any) -> None:
    plan, rows = await _explained(piled_up)
    assert len(rows) == DUE
    assert all(row["escalation_level"] == 0 for row in rows)
    scans = [node for node in plan_nodes(plan) if node.get("Relation Name") == "task"]
    assert [node.get("Index Name") for node in scans] == ["task_due"]
    assert "escalation_level" in scans[0]["Index Cond"]
    # the table is read for the tasks found only, not for the thousands skipped
    assert scans[0].get("Rows Removed by Filter", 0) == 0
    assert plan["Shared Hit Blocks"] + plan["Shared Read Blocks"] < 200
