"""A pool of plain asyncpg connections for hot statements: reads of one statement each,
and the contact policy's decisions (one or two statements, or a short transaction).

A read through the ORM session pays, besides its own statements, five round trips (the
engine's pre-ping: ``BEGIN``, ``;``, ``ROLLBACK`` on the asyncpg dialect; the session's
``BEGIN`` and ``ROLLBACK``) and the statement building and result wrapping. This pool hands
out the driver's connections with nothing around them; asyncpg keeps each statement
prepared per connection.

A connection the server closed is noticed by the event loop and replaced on the next
acquire, which is what the pre-ping is for on the engine.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from shared.config import ServiceSettings


@asynccontextmanager
async def read_pool(
    settings: ServiceSettings, plan_cache_mode: str | None = None
) -> AsyncIterator[Any]:
    """An ``asyncpg.Pool`` of at most ``db_pool_size`` connections, opened on first use
    (like the engine's), with ``plan_cache_mode`` (by default the engine's); closed on exit.

    Only for statements that leave no session state behind (no ``SET``, ``LISTEN``,
    advisory lock or cursor): a connection goes back to the pool without a reset query
    (a transaction left open is rolled back by asyncpg first).

    :raises RuntimeError: ``DATABASE_URL`` is not set.
    """
    if settings.database_url is None:
        raise RuntimeError("DATABASE_URL is not set")
    pool = await asyncpg.create_pool(
        libpq_url(settings.database_url.get_secret_value()),
        min_size=0,
        max_size=settings.db_pool_size,
        server_settings={"plan_cache_mode": plan_cache_mode or settings.db_plan_cache_mode},
        reset=_nothing_to_reset,
    )
    try:
        yield pool
    finally:
        await pool.close()


def libpq_url(url: str) -> str:
    """The URL as asyncpg takes it: ``postgresql+asyncpg://`` loses its driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _nothing_to_reset(connection: Any) -> None:
    """The pool's reset, after its own rollback of a transaction left open (none is: the
    reads run outside any). asyncpg's default would send ``RESET ALL`` and the like, one
    more round trip per read, for session state these reads never set."""
