"""The pool pings a connection only when it sat idle, and never hands out one the server
closed: a busy service pays no round trip at checkout, a restarted server is still caught."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.config import ServiceSettings
from shared.db.session import async_url, create_engine, ping_when_idle


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings.model_copy(update={"db_pool_size": 1}))
    yield engine
    await engine.dispose()


async def driver(engine: AsyncEngine) -> Any:
    """The asyncpg connection the pool hands out next (checked in again at once)."""
    async with engine.connect() as connection:
        return (await connection.get_raw_connection()).driver_connection


def logging_queries(connection: Any) -> list[str]:
    sent: list[str] = []
    connection.add_query_logger(lambda logged: sent.append(logged.query))
    return sent


async def test_a_connection_used_a_moment_ago_is_not_pinged(engine: AsyncEngine) -> None:
    first = await driver(engine)
    sent = logging_queries(first)
    async with engine.connect() as connection:
        same = (await connection.get_raw_connection()).driver_connection
        assert same is first
        assert await same.fetchval("SELECT 1") == 1
    assert sent == ["SELECT 1"]  # and no ping before it


async def test_a_connection_idle_for_a_while_is_pinged(settings: ServiceSettings) -> None:
    assert settings.database_url is not None
    engine = create_async_engine(async_url(settings.database_url.get_secret_value()))
    ping_when_idle(engine, idle_seconds=0.05)
    try:
        sent = logging_queries(await driver(engine))
        await asyncio.sleep(0.1)
        await driver(engine)
        assert sent == ["BEGIN;", ";", "ROLLBACK;"]  # SQLAlchemy's ping for asyncpg
    finally:
        await engine.dispose()


async def test_a_connection_the_server_closed_is_replaced(
    engine: AsyncEngine, settings: ServiceSettings
) -> None:
    closed = await driver(engine)
    pid = closed.get_server_pid()
    other = create_engine(settings)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()
    deadline = time.monotonic() + 10
    while not closed.is_closed():  # once the event loop has read the server's goodbye
        assert time.monotonic() < deadline, "the connection never saw the server close it"
        await asyncio.sleep(0.01)
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one() != pid
