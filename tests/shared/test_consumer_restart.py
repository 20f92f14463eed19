"""A consumer stalled by a failing batch is started again, reported unhealthy until it is
consuming again, and loses nothing: two instances of one group, stalled together twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import ServiceSettings
from shared.events.schemas import Event
from shared.events.topics import Topic
from shared.http import create_service_app
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher
from shared.kafka.runner import Consumed, ConsumerSpec, ConsumerStalled
from shared.runtime import Resources, _supervise, running_consumers
from tests.conftest import serve, unique
from tests.reliability.stack import until
from tests.shared import test_runner
from tests.shared.test_runner import effects, interaction, produce, record_effects

engine = test_runner.engine
sessions = test_runner.sessions


@pytest.mark.reliability  # two rebalances of a real group: ~25 s
async def test_instances_stalled_together_twice_resume_and_lose_nothing(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher
) -> None:
    settings = settings.model_copy(update={"freeze_startup_heap": False})
    topic = Topic(unique("test.restart"), partitions=2)
    await ensure_topics(settings, (topic,))
    events = [interaction() for _ in range(40)]
    await produce(publisher.producer, topic, events)
    failures = {"left": 4}  # two instances, each stalled twice

    async def failing_then_fixed(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        if failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("database is down")
        return await record_effects(session, batch)

    spec = ConsumerSpec(
        name=unique("restarted"),
        topics=(topic,),
        group=unique("group"),
        handler=failing_then_fixed,
        instances=2,
        max_batch=10,
        max_retries=0,
        retry_backoff=0.01,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = Resources(publisher.producer, publisher, sessions=sessions)
        async with running_consumers(app, settings, resources, [spec], restart_after=0.5):
            yield

    app = create_service_app(settings, title="restarted", description="", lifespan=lifespan)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:

        async def all_applied() -> bool:
            return len(await effects(sessions, topic)) >= len(events)

        await until(all_applied, 60, what="every event applied after the restarts")
        health = await client.get("/healthz")

    assert failures["left"] == 0
    assert sorted(await effects(sessions, topic)) == sorted(e.event_id for e in events)
    assert health.status_code == 200


class SlowToRestart:
    """A runner that stalls, then takes its time to start again (a broker slow to let it
    rejoin its group), then consumes until stopped."""

    label = "slow#0"
    spec = SimpleNamespace(group="slow")  # what its stop is labelled with beside its name

    def __init__(self) -> None:
        self.runs = 0
        self.may_start = asyncio.Event()
        self.stopping = asyncio.Event()

    async def run(self, on_started: Callable[[], None] | None = None) -> None:
        self.runs += 1
        if self.runs == 1:
            raise ConsumerStalled("slow: database is down")
        await self.may_start.wait()
        assert on_started is not None
        on_started()
        await self.stopping.wait()

    async def wait_stopped(self, seconds: float) -> bool:
        await asyncio.sleep(seconds)
        return False


async def test_a_restarted_consumer_is_reported_until_it_has_started_again() -> None:
    runner = SlowToRestart()
    stalled: dict[str, str] = {}
    supervising = asyncio.create_task(_supervise(runner, stalled, 0.01))  # type: ignore[arg-type]
    try:
        async with asyncio.timeout(5):
            while runner.runs < 2:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # restarted, not started yet
        assert "database is down" in stalled["slow#0"]

        runner.may_start.set()
        async with asyncio.timeout(5):
            while stalled:
                await asyncio.sleep(0.01)
    finally:
        runner.stopping.set()
        await asyncio.wait_for(supervising, 5)
