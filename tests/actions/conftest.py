from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from services.actions.app import create_app
from services.actions.config import ActionsSettings
from shared.db.migrations import upgrade
from shared.db.session import async_url
from tests.conftest import Infra, Keys, serve, settings_for, unique


@pytest.fixture(scope="session")
async def actions_url(infra: Infra, keys: Keys) -> AsyncIterator[str]:
    async with serve(create_app(settings_for(infra, keys, ActionsSettings))) as url:
        yield url


@pytest.fixture
async def client(actions_url: str, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the ops key (ops:*: read and write the journey map)."""
    headers = {"Authorization": f"Bearer {keys.reader}"}
    async with httpx.AsyncClient(base_url=actions_url, headers=headers, timeout=30) as client:
        yield client


async def latest_version(client: httpx.AsyncClient) -> int:
    """The newest version stored so far (0 when none): other tests write maps too."""
    versions = (await client.get("/v1/journey-map/versions", params={"limit": 1})).json()
    return int(versions[0]["version"]) if versions else 0


@pytest.fixture
async def empty_database(infra: Infra) -> AsyncIterator[str]:
    """A database of its own, migrated for actions, that nothing else writes (no journey map
    stored, no relay running)."""
    name = unique("fresh").replace("-", "_")
    admin = create_async_engine(async_url(infra.database_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(infra.database_url).set(database=name)
        fresh = url.render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, fresh, ["actions"])
        yield fresh
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
