from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.ingest.app import create_app
from services.ingest.config import IngestSettings
from tests.conftest import Infra, Keys, serve, settings_for


# package, not session: an app left running would stay in its consumer groups and take
# partitions (and so customers) from the next packages' own apps
@pytest.fixture(scope="package")
async def ingest_url(infra: Infra, keys: Keys) -> AsyncIterator[str]:
    async with serve(create_app(settings_for(infra, keys, IngestSettings))) as url:
        yield url


@pytest.fixture
async def client(ingest_url: str, keys: Keys) -> AsyncIterator[httpx.AsyncClient]:
    headers = {"Authorization": f"Bearer {keys.writer}"}
    async with httpx.AsyncClient(base_url=ingest_url, headers=headers, timeout=30) as client:
        yield client
