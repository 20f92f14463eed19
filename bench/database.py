"""The bench's own connection to the services' database (asyncpg, no ORM), and the seeding
of scoring's customers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from bench.infra import Postgres

COUNT_CUSTOMERS = "SELECT count(*) FROM scoring.customer"
# The signals whose id starts with a prefix: $1 the LIKE pattern, [$2, $3) the ids' range
# (``prefix_range``). LIKE alone scans the whole primary key under a collation other than
# "C" (the embedded database's is C.UTF-8), so this poll, ten times a second, grew with
# every earlier run's rows; the range reads only this run's.
COUNT_SIGNALS_LIKE = (
    "SELECT count(*) FROM scoring.signal WHERE event_id >= $2 AND event_id < $3 "
    "AND event_id LIKE $1"
)
_COUNT_SEEDED = "SELECT count(*) FROM scoring.customer WHERE customer_id LIKE $1"

# Customers with a history in their decayed sums but no signal rows, as an older population
# would look: 1 to 20 signals over the last 180 days.
_SEED = """
INSERT INTO scoring.customer
    (customer_id, s, w, t_ref, signals, positives, negatives, updated_at)
SELECT $1 || lpad(i::text, 7, '0'), w * v, w, now() - random() * interval '180 days',
       n, floor(n * 0.6)::int, floor(n * 0.2)::int, now()
FROM (
    SELECT i, 0.5 + random() * 5 AS w, random() * 2 - 1 AS v, 1 + floor(random() * 20)::int AS n
    FROM generate_series($2::int, $3::int - 1) AS i
) AS seed
ON CONFLICT (customer_id) DO NOTHING
"""


async def settle(connection: Any) -> float:
    """VACUUM (ANALYZE) the database, then CHECKPOINT; return the seconds it took.

    Run before a timed section that writes where an earlier one wrote: the earlier rows'
    dead tuples (the daily counters are updated in place), statistics and dirty pages are
    dealt with now, not by autovacuum or a checkpoint in the middle of the next timing. Of
    two identical scoring runs one after the other, the second spent 73 % more PostgreSQL
    CPU per event without it (and with the poll that scanned every run's rows), 9 % more
    with both fixed.
    """
    started = time.perf_counter()
    await connection.execute("VACUUM (ANALYZE)")
    await connection.execute("CHECKPOINT")
    return time.perf_counter() - started


def prefix_range(prefix: str) -> tuple[str, str]:
    """The ids ``[low, high)`` that hold every string starting with ``prefix`` (not empty)
    in code-point order, as the C and C.UTF-8 collations sort."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def like_prefix(prefix: str) -> str:
    """The LIKE pattern of the strings that start with ``prefix``."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def asyncpg_dsn(url: str) -> str:
    """The libpq form asyncpg takes: ``postgresql+asyncpg://`` loses its driver name."""
    scheme, separator, rest = url.partition("://")
    return scheme.split("+", 1)[0] + separator + rest


@asynccontextmanager
async def connect(database: Postgres) -> AsyncIterator[Any]:
    """One asyncpg connection, closed at the end."""
    connection = await asyncpg.connect(asyncpg_dsn(database.url))
    try:
        yield connection
    finally:
        await connection.close()


class Seeded:
    """Customers of this run inserted straight into ``scoring.customer``, ``prefix`` + a
    7-digit index from 0 to ``count`` - 1."""

    def __init__(self, run_id: str) -> None:
        self.prefix = f"bench-{run_id}-seed-"
        self.count = 0

    def customer_id(self, index: int) -> str:
        return f"{self.prefix}{index:07d}"

    async def fill(self, connection: Any, total: int) -> tuple[int, float]:
        """Add customers until the table holds ``total``; return how many and the seconds
        (statistics refreshed included)."""
        self.count = int(await connection.fetchval(_COUNT_SEEDED, self.prefix + "%"))
        missing = total - int(await connection.fetchval(COUNT_CUSTOMERS))
        if missing <= 0:
            return 0, 0.0
        started = time.perf_counter()
        await connection.execute(_SEED, self.prefix, self.count, self.count + missing)
        await connection.execute("ANALYZE scoring.customer")
        self.count += missing
        return missing, time.perf_counter() - started
