"""The raw limit of scoring's state writes: batched upserts of customer-shaped rows with
asyncpg, into the same database, with nothing else around them. The key is compared as
scoring's identifiers are (collation "C"), so the limit is not lowered by a comparison
scoring does not make."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.context import RAW_UPSERT_RATE, Bench
from bench.database import connect
from bench.heap import frozen_heap
from bench.report import Row, Verdict

UPSERT_ROWS = 100_000
UPSERT_KEYS = 50_000  # every key twice: half the rows insert, half update
UPSERT_BATCH = 500  # scoring's consumer batch; one transaction per executemany
UPSERT_WARMUP = 5_000
TABLE = "bench.customer_upsert"

_CREATE = f"""
CREATE SCHEMA IF NOT EXISTS bench;
DROP TABLE IF EXISTS {TABLE};
CREATE TABLE {TABLE} (
    customer_id text COLLATE "C" PRIMARY KEY,
    s float8 NOT NULL,
    w float8 NOT NULL,
    t_ref timestamptz,
    signals int NOT NULL,
    positives int NOT NULL,
    negatives int NOT NULL,
    updated_at timestamptz NOT NULL
)
"""
_UPSERT = f"""
INSERT INTO {TABLE} (customer_id, s, w, t_ref, signals, positives, negatives, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (customer_id) DO UPDATE SET
    s = excluded.s, w = excluded.w, t_ref = excluded.t_ref, signals = excluded.signals,
    positives = excluded.positives, negatives = excluded.negatives,
    updated_at = excluded.updated_at
"""  # noqa: S608 - a constant table name


def _rows(prefix: str, keys: Sequence[int], rng: random.Random) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    return [
        (
            f"{prefix}{key:07d}",
            rng.uniform(-5, 5),
            rng.uniform(0.5, 5),
            now - timedelta(seconds=rng.uniform(0, 86400 * 30)),
            rng.randrange(1, 50),
            rng.randrange(20),
            rng.randrange(20),
            now,
        )
        for key in keys
    ]


async def _upsert_all(connection: Any, rows: Sequence[tuple[Any, ...]]) -> float:
    started = time.perf_counter()
    for start in range(0, len(rows), UPSERT_BATCH):
        await connection.executemany(_UPSERT, rows[start : start + UPSERT_BATCH])
    return time.perf_counter() - started


async def raw_upsert(bench: Bench) -> list[Row]:
    rng = random.Random("upsert")
    keys = list(range(UPSERT_KEYS))
    order = rng.sample(keys, len(keys)) + rng.sample(keys, len(keys))
    rows = _rows(f"bench-{bench.run_id}-upsert-", order[:UPSERT_ROWS], rng)
    warmup = _rows(f"bench-{bench.run_id}-warmup-", range(UPSERT_WARMUP), rng)
    async with connect(bench.database) as connection:
        await connection.execute(_CREATE)
        try:
            await _upsert_all(connection, warmup)
            with frozen_heap():
                elapsed = await _upsert_all(connection, rows)
        finally:
            await connection.execute(f"DROP TABLE IF EXISTS {TABLE}")
    rate = len(rows) / elapsed
    bench.measured[RAW_UPSERT_RATE] = rate
    print(
        f"  {len(rows):,} rows over {UPSERT_KEYS:,} keys, {UPSERT_BATCH} per executemany, "
        f"in {elapsed:.2f} s"
    )
    measure = f"raw batched upsert rate (asyncpg executemany, {UPSERT_BATCH} rows/tx)"
    return [Row(measure, f"{rate:,.0f} rows/s", "raw limit", Verdict.INFO)]
