"""A real alerts service on the real broker and database, and a real HTTP receiver.

``alerts`` lives for one test module, so only one alerts app consumes at a time; a module
changes its settings by overriding ``alerts_overrides``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.alerts.app import create_app
from services.alerts.config import AlertsSettings
from services.alerts.webhooks.models import webhook_event
from shared.db.session import async_url
from shared.events.schemas import Event
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import (
    Infra,
    Keys,
    Running,
    client_for,
    newest_map_version,
    serve,
    settings_for,
    unique,
)
from tests.scoring.conftest import JOURNEY_MAP, publish_map


@dataclass
class Alerts(Running):
    settings: AlertsSettings
    infra: Infra
    _departments: list[str] = field(default_factory=list)
    _map_version: int = 0

    async def department(self) -> str:
        """A new department, named by a journey map version this app applies before it is
        returned: the webhook API refuses a department the map does not name. A department
        of its own keeps a test's alerts to its own endpoints.

        The map is the scoring tests' map whole (every service follows the highest version
        on the shared topic), with this app's departments so far added."""
        department = unique("dept")
        self._departments.append(department)
        if not self._map_version:
            self._map_version = await newest_map_version(self.infra)
        holder = self.app.state.journey
        version = self._map_version = max(self._map_version, holder.version) + 1
        added = [{"id": d, "name": d} for d in self._departments]
        document = {**JOURNEY_MAP, "departments": [*JOURNEY_MAP["departments"], *added]}
        await publish_map(self.publisher, version, document)
        async with asyncio.timeout(15):
            while holder.version < version:
                await asyncio.sleep(0.02)
        return department

    async def fanned_out(self, events: Sequence[Event], timeout: float = 15) -> None:
        """Wait until the webhook fan-out has applied ``events`` (their deliveries stored)."""
        wanted = {e.event_id for e in events}
        column = webhook_event.c.event_id
        async with asyncio.timeout(timeout):
            while True:
                async with self.sessions() as session:
                    found = await session.scalars(select(column).where(column.in_(wanted)))
                    if set(found) == wanted:
                        return
                await asyncio.sleep(0.05)


@pytest.fixture(scope="module")
def alerts_overrides() -> dict[str, Any]:
    """Settings of this module's alerts app besides the test defaults; override per module."""
    return {}


def alerts_settings(infra: Infra, keys: Keys, **overrides: Any) -> AlertsSettings:
    """The tests' settings: loopback webhook targets allowed, quick consumer rebalances."""
    values: dict[str, Any] = {
        "kafka_session_timeout_ms": 3000,
        "webhook_allow_private_networks": True,
        **overrides,
    }
    settings: AlertsSettings = settings_for(infra, keys, AlertsSettings, **values)
    return settings


@pytest.fixture(scope="module")
async def alerts(
    infra: Infra, keys: Keys, alerts_overrides: dict[str, Any]
) -> AsyncIterator[Alerts]:
    settings = alerts_settings(infra, keys, **alerts_overrides)
    producer = create_producer(settings)
    await producer.start()
    try:
        app = create_app(settings)
        async with client_for(app, keys.reader) as client:
            publisher = EventPublisher(producer, "/tests", timeout=10)
            yield Alerts(app, client, publisher, settings, infra)
    finally:
        await producer.stop()


@pytest.fixture
async def rules_session(infra: Infra) -> AsyncIterator[AsyncSession]:
    """A session on the suite's database for the rules' repository, never committed."""
    engine = create_async_engine(async_url(infra.database_url))
    try:
        async with AsyncSession(engine) as session:
            yield session
    finally:
        await engine.dispose()


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class Receiver:
    """An HTTP server on loopback that records every request and answers as told.

    Each test uses its own path; a path answers its queued statuses in order, then its
    steady status (200 unless set), each after ``delay`` seconds. A request is recorded
    when it arrives.
    """

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    _queued: dict[str, list[int]] = field(default_factory=dict)
    _steady: dict[str, int] = field(default_factory=dict)
    _delay: dict[str, float] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def respond(self, path: str, *statuses: int, then: int = 200, delay: float = 0) -> None:
        self._queued[path] = list(statuses)
        self._steady[path] = then
        self._delay[path] = delay

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    async def wait_for(self, path: str, count: int, timeout: float = 15) -> list[Received]:
        """The requests to ``path`` once there are at least ``count``."""
        async with asyncio.timeout(timeout):
            while len(self.at(path)) < count:
                await asyncio.sleep(0.02)
        return self.at(path)

    async def handle(self, request: Request) -> Response:
        path = request.url.path
        queued = self._queued.get(path, [])
        status = queued.pop(0) if queued else self._steady.get(path, 200)
        self.requests.append(Received(path, dict(request.headers), await request.body(), status))
        await asyncio.sleep(self._delay.get(path, 0))
        return Response(status_code=status)


@pytest.fixture(scope="session")
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = FastAPI()
    app.add_api_route("/{path:path}", receiver.handle, methods=["POST"])
    async with serve(app) as url:
        receiver.base_url = url
        yield receiver
