"""The async SQLAlchemy kit: one engine per process, sessions that services only flush.

Whoever owns the unit of work commits it: the request dependency for HTTP, the consumer
runner for a Kafka batch.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from shared.config import ServiceSettings

# A connection back in the pool for less than this is handed out without a ping (HikariCP
# skips its check within 500 ms of a use the same way). SQLAlchemy's pre-ping on asyncpg is
# three round trips (BEGIN, a query, ROLLBACK), which cost more CPU than a short request's
# own statements; a connection the server closed (a restart) is still caught, for free.
PING_AFTER_IDLE_SECONDS = 1.0


def async_url(url: str) -> str:
    """Accept ``postgresql://`` (as libpq tools write it) and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    if settings.database_url is None:
        raise RuntimeError("DATABASE_URL is not set")
    engine = create_async_engine(
        async_url(settings.database_url.get_secret_value()),
        pool_size=settings.db_pool_size,
        pool_recycle=1800,
        connect_args={"server_settings": {"plan_cache_mode": settings.db_plan_cache_mode}},
    )
    ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's ``pool_pre_ping`` for the connections idle in ``engine``'s pool for
    ``idle_seconds`` or more; one the server closed is not handed out either. As with the
    pre-ping, a failure replaces the connection and the pool's others with it (the server
    restarted)."""
    pool, dialect = engine.sync_engine.pool, engine.dialect

    @event.listens_for(pool, "checkin")
    def checked_in(_: Any, entry: ConnectionPoolEntry) -> None:
        entry.info["checked_in_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def checked_out(dbapi_connection: Any, entry: ConnectionPoolEntry, _: Any) -> None:
        since = entry.info.get("checked_in_at")  # none: just connected, not pinged either
        if since is None:
            return
        if entry.driver_connection is None or entry.driver_connection.is_closed():
            raise exc.InvalidatePoolError("connection closed by the server")
        if time.monotonic() - since >= idle_seconds:
            try:
                dialect.do_ping(dbapi_connection)
            except Exception as error:
                raise exc.InvalidatePoolError(f"ping failed: {error}") from error


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """One unit of work: committed on exit, rolled back on error.

    In a FastAPI dependency, declare it with ``Depends(..., scope="function")``: the commit
    then happens before the response is sent, so a failed commit is never answered 2xx.
    """
    async with sessions() as session, session.begin():
        yield session


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
