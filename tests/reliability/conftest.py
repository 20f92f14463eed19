"""Each reliability module gets a database and a broker of its own, and starts the services
it needs as processes (stopped at the end of each test)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.journey import JourneyMap, JourneyMapPublished
from tests.conftest import Keys
from tests.reliability.stack import PrivateStack, ServiceProcess, produce, service_environment
from tests.scoring.conftest import JOURNEY_MAP

Starter = Callable[..., ServiceProcess]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateStack]:
    stack = PrivateStack(tmp_path_factory.mktemp("stack"))
    try:
        yield stack.start()
    finally:
        stack.close()


@pytest.fixture(scope="module")
async def engine(stack: PrivateStack) -> AsyncIterator[AsyncEngine]:
    engine = stack.engine()
    yield engine
    await engine.dispose()


class Services:
    """Starts service processes of ``stack``; :meth:`stop_all` stops those it started."""

    def __init__(self, stack: PrivateStack, keys: Keys, logs: Path) -> None:
        self.stack, self.keys, self.logs = stack, keys, logs
        self.started: list[ServiceProcess] = []

    def __call__(self, name: str, **settings: Any) -> ServiceProcess:
        """A started ``name``; settings as keyword arguments (``webhook_poll_seconds=0.1``)."""
        environment = service_environment(self.stack, self.keys, **settings)
        process = ServiceProcess(name, environment, self.logs / f"{name}.log").start()
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            process.stop()


@pytest.fixture
def service(stack: PrivateStack, keys: Keys, tmp_path: Path) -> Iterator[Starter]:
    """Service processes stopped at the end of the test."""
    services = Services(stack, keys, tmp_path)
    yield services
    services.stop_all()


@pytest.fixture(scope="module")
def module_service(
    stack: PrivateStack, keys: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Starter]:
    """Service processes stopped at the end of the module."""
    services = Services(stack, keys, tmp_path_factory.mktemp("logs"))
    yield services
    services.stop_all()


async def publish_journey_map(
    stack: PrivateStack, version: int = 1, departments: Sequence[str] = ()
) -> None:
    """The scoring tests' map (checkout, delivery: a moment of truth, support-call), with
    ``departments`` beside its own."""
    added = [{"id": department, "name": department} for department in departments]
    document = {**JOURNEY_MAP, "departments": [*JOURNEY_MAP["departments"], *added]}
    event = JourneyMapPublished(
        event_id=f"reliability-journey-map-v{version}",
        version=version,
        published_at=datetime.now(UTC),
        map=JourneyMap.model_validate(document),
    )
    await produce(stack.bootstrap_servers, [event])


async def map_applied(client: httpx.AsyncClient) -> bool:
    """Whether the service ``client`` asks has read a journey map (the webhook API checks an
    endpoint's department against it)."""
    response = await client.get("/v1/journey-map/applied")
    return bool(response.json()["version"])
