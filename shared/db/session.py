"""The async SQLAlchemy kit: one engine per process, sessions that services only flush.

Whoever owns the unit of work commits it: the request dependency for HTTP, the consumer
runner for a Kafka batch.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from shared.config import ServiceSettings


def async_url(url: str) -> str:
    """Accept ``postgresql://`` (as libpq tools write it) and use the asyncpg driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def create_engine(settings: ServiceSettings) -> AsyncEngine:
    if settings.database_url is None:
        raise RuntimeError("DATABASE_URL is not set")
    return create_async_engine(
        async_url(settings.database_url.get_secret_value()),
        pool_size=settings.db_pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        connect_args={"server_settings": {"plan_cache_mode": settings.db_plan_cache_mode}},
    )


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
