"""A real actions service for the backlog tests, on the real broker and database.

The package shares one actions app, which follows a journey map of its own (a high
version, restored to the scoring tests' map on exit). Its departments carry a suffix
unique to the run; every test uses touchpoints of its own (``unique``), so items, tasks
and counts left by another test or an earlier run never meet its own.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from services.actions.app import create_app
from services.actions.backlog.models import backlog_processed_event
from services.actions.config import ActionsSettings
from shared.config import ApiKey, hash_api_key
from shared.events.schemas import Event
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, Running, client_for, settings_for, unique
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until

MAP_VERSION_FLOOR = 5_000_000
VIEWER_KEY = "backlog-viewer-key-0000"  # backlog:read only
EDITOR_KEY = "backlog-editor-key-0000"  # backlog:read and backlog:write
QUALITY_KEY = "backlog-quality-key-0000"  # both, bound to the quality department
TIERS = {"gold": 3.0, "silver": 2.0, "bronze": 0.5}


@dataclass(frozen=True)
class Departments:
    quality: str
    logistics: str

    def owned(self) -> list[str]:
        """Touchpoints of the map (owned by ``quality``): the tests' ids for mapped ones."""
        return [f"{self.quality}-tp{i}" for i in range(1, 11)]


def backlog_map(departments: Departments) -> dict[str, Any]:
    """The scoring tests' map (kept whole: every service follows the newest map), plus
    departments, value tiers, root causes and touchpoints owned by ``quality``."""
    document = copy.deepcopy(JOURNEY_MAP)
    document["departments"] += [
        {"id": departments.quality, "name": "Quality"},
        {"id": departments.logistics, "name": "Logistics"},
    ]
    document["value_tiers"] = [{"id": tier, "weight": w} for tier, w in TIERS.items()]
    document["root_causes"] = [
        {"id": "late-delivery", "name": "Late delivery"},
        {"id": "wrong-item", "name": "Wrong item"},
    ]
    document["touchpoints"] += [
        {"id": tp, "name": tp, "channels": ["web"], "owner": departments.quality}
        for tp in departments.owned()
    ]
    return document


@dataclass
class Backlog(Running):
    settings: ActionsSettings
    departments: Departments

    async def feed(self, events: Sequence[Event], wait_for: Sequence[Event] = ()) -> None:
        """Publish ``events`` and wait until the backlog applied ``wait_for`` (default:
        all of them)."""
        await self.send(events)
        await self.applied([e.event_id for e in wait_for or events])

    async def applied(self, event_ids: Sequence[str], timeout: float = 30) -> None:
        wanted = set(event_ids)
        column = backlog_processed_event.c.event_id
        async with asyncio.timeout(timeout):
            while True:
                async with self.sessions() as session:
                    query = select(column).where(column.in_(wanted))
                    if set((await session.execute(query)).scalars()) == wanted:
                        return
                await asyncio.sleep(0.05)

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def items(self, *touchpoints: str, **params: Any) -> list[dict[str, Any]]:
        page = await self.get("/v1/backlog", touchpoint=list(touchpoints), limit=200, **params)
        items: list[dict[str, Any]] = page["items"]
        return items

    async def item(
        self, touchpoint: str, root_cause: str | None = None, **params: Any
    ) -> dict[str, Any]:
        found = [i for i in await self.items(touchpoint, **params) if i["root_cause"] == root_cause]
        assert len(found) == 1, found
        return found[0]

    async def patch(self, item_id: str, **fields: Any) -> dict[str, Any]:
        response = await self.client.patch(f"/v1/backlog/{item_id}", json=fields)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def backlog_keys(keys: Keys, departments: Departments) -> tuple[ApiKey, ...]:
    return (
        *keys.all,
        ApiKey(
            name="quality-referent",
            sha256=hash_api_key(QUALITY_KEY),
            scopes=frozenset({"backlog:read", "backlog:write"}),
            department=departments.quality,
        ),
        ApiKey(name="viewer", sha256=hash_api_key(VIEWER_KEY), scopes=frozenset({"backlog:read"})),
        ApiKey(
            name="committee",
            sha256=hash_api_key(EDITOR_KEY),
            scopes=frozenset({"backlog:read", "backlog:write"}),
        ),
    )


@pytest.fixture(scope="package")
async def backlog(infra: Infra, keys: Keys) -> AsyncIterator[Backlog]:
    """The actions app following this package's map; on exit, the scoring tests' map."""
    departments = Departments(unique("bl-quality"), unique("bl-logistics"))
    settings = settings_for(
        infra,
        keys,
        ActionsSettings,
        kafka_session_timeout_ms=3000,
        api_keys=backlog_keys(keys, departments),
    )
    producer = create_producer(settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    version = max(MAP_VERSION_FLOOR, await newest_map_version(infra) + 1)
    try:
        app = create_app(settings)
        async with client_for(app, keys.reader) as client:
            await publish_map(publisher, version, backlog_map(departments))
            await until(lambda: _holds(app.state.journey, version))
            yield Backlog(app, client, publisher, settings, departments)
            await publish_map(publisher, version + 1, JOURNEY_MAP)
    finally:
        await producer.stop()


async def _holds(holder: Any, version: int) -> bool:
    return bool(holder.version == version)
