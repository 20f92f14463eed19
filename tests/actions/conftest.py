from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.actions.app import create_app
from services.actions.config import ActionsSettings
from tests.conftest import Infra, Keys, fresh_database, serve, settings_for


# package, not session: an app left running would stay in its consumer groups and take
# partitions (and so customers) from the next packages' own apps
@pytest.fixture(scope="package")
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
    async with fresh_database(infra, "fresh", ["actions"]) as url:
        yield url
