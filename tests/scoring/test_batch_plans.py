"""What a batch costs PostgreSQL: its lookups by id are index probes, never a pass over
``scoring.signal``, even when the table's statistics date from when it was empty (a new
deployment, a database vacuumed before a burst), which made the planner read the whole table
for every batch; the tables it rewrites leave room in their pages for HOT updates."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from services.scoring.experience import repository
from shared.db.arrays import spaced
from tests.conftest import Infra, fresh_database, plan_nodes

ROWS = 50_000
BATCH = 500

# Interactions, one in five with an employee's ease; every tenth row a survey that answers
# the interaction before it.
_FILL = """
INSERT INTO scoring.signal (event_id, customer_id, source, touchpoint, known_touchpoint,
                            occurred_at, weight, polarity, moment_of_truth, moment_of_pain,
                            employee_ease, interaction_event_id, ces)
SELECT 'event-' || i, 'customer-' || (i % 10000),
       CASE WHEN i % 10 = 0 THEN 'survey' ELSE 'interaction' END, 'checkout', true,
       now() - i * interval '1 minute', 1, 0, false, false,
       CASE WHEN i % 5 = 1 THEN 4 END,
       CASE WHEN i % 10 = 0 THEN 'event-' || (i - 1) END,
       CASE WHEN i % 10 = 0 THEN 5 END
FROM generate_series(1, $1::int) AS i
"""


@pytest.fixture(scope="module")
async def young_table(infra: Infra) -> AsyncIterator[Any]:
    """A connection to a database whose signal table was vacuumed empty, then filled."""
    async with fresh_database(infra, "plans", ["scoring"]) as url:
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("VACUUM (ANALYZE) scoring.signal")
            await connection.execute(_FILL, ROWS)
            await connection.execute("SET plan_cache_mode = force_custom_plan")
            yield connection
        finally:
            await connection.close()


async def _plan(connection: Any, sql: str, *arguments: Any) -> list[tuple[str, str | None]]:
    explained = await connection.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *arguments)
    nodes = plan_nodes(json.loads(explained)[0]["Plan"])
    return [(node["Node Type"], node.get("Relation Name")) for node in nodes]


async def test_signals_seen_are_probed_by_id(young_table: Any) -> None:
    ids = [f"event-{i}" for i in range(ROWS - BATCH + 1, ROWS + BATCH + 1)]
    scans = await _plan(young_table, repository._SIGNALS_BY_ID, spaced(ids))
    assert ("Seq Scan", "signal") not in scans
    assert ("Index Scan", "signal") in scans
    rows = await young_table.fetch(repository._SIGNALS_BY_ID, spaced(ids))
    assert sorted(row["event_id"] for row in rows) == sorted(ids[:BATCH])


async def test_ease_partners_are_probed_by_id(young_table: Any) -> None:
    answered = [f"event-{i}" for i in range(1, 3 * BATCH) if i % 10]  # interactions
    interactions = [f"event-{i}" for i in range(ROWS - BATCH, ROWS) if i % 10]
    sql = repository._C2ES_PARTNERS
    scans = await _plan(young_table, sql, spaced(answered), spaced(interactions))
    assert ("Seq Scan", "signal") not in scans
    rows = await young_table.fetch(sql, spaced(answered), spaced(interactions))
    with_ease = {f"event-{i}" for i in range(1, 3 * BATCH) if i % 5 == 1}
    answering = {f"event-{i}" for i in range(ROWS - BATCH + 1, ROWS + 1) if i % 10 == 0}
    assert sorted(row["event_id"] for row in rows) == sorted(with_ease | answering)


async def test_revalued_signals_are_probed_by_id(young_table: Any) -> None:
    ids = [f"event-{i}" for i in range(1, ROWS, ROWS // 50)]  # a batch's few dozen
    arguments = ids, [-0.75] * len(ids), [-1] * len(ids)
    scans = await _plan(young_table, repository._REVALUE, *arguments)
    assert ("Seq Scan", "signal") not in scans
    await young_table.execute(repository._REVALUE, *arguments)
    rows = await young_table.fetch(
        "SELECT valence, polarity, repeat_contact FROM scoring.signal "
        "WHERE event_id = ANY($1::text[])",
        ids,
    )
    assert len(rows) == len(ids)
    assert {tuple(row) for row in rows} == {(-0.75, -1, True)}


@pytest.mark.parametrize("table", ["customer", "touchpoint_latest", "touchpoint_day"])
async def test_rewritten_tables_leave_room_for_hot_updates(infra: Infra, table: str) -> None:
    connection = await asyncpg.connect(infra.database_url)
    try:
        options = await connection.fetchval(
            "SELECT reloptions FROM pg_class WHERE oid = $1::regclass", f"scoring.{table}"
        )
    finally:
        await connection.close()
    assert options == ["fillfactor=80"]


async def test_contacts_are_read_one_range_per_pair(young_table: Any) -> None:
    # customer-7 holds every 10,000th row from 7 on: events 7, 10007, ... one a week apart
    now = datetime.now(UTC)
    window = timedelta(days=1)
    interactions = [  # (customer, touchpoint, occurred at) of a batch's interactions
        ("customer-7", "checkout", now - timedelta(days=7)),
        ("customer-9", "delivery", now - timedelta(days=15)),  # no such contact
        ("customer-7", "checkout", now - timedelta(days=20.5)),
    ]
    # customer-7's window: a day before its earliest (21.5 days ago) to a day after its
    # latest (6 days ago)
    customers, touchpoints, times = zip(*interactions, strict=True)
    microseconds = window // timedelta(microseconds=1)
    arguments = spaced(customers), spaced(touchpoints), list(times), microseconds
    scans = await _plan(young_table, repository._CONTACTS, *arguments)
    assert ("Seq Scan", "signal") not in scans
    rows = await young_table.fetch(repository._CONTACTS, *arguments)
    # minutes ago: 10007 (~7 days), 20007 (~14), 30007 (~21); surveys are not contacts
    assert [row["event_id"] for row in rows] == ["event-30007", "event-20007", "event-10007"]
