"""kill -9 in the middle of a stream, restart: the same final state as a clean run.

Runs scoring as a real process on a private broker and database, so nothing else consumes.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from services.scoring.models import signal as signal_table
from shared.config import ServiceSettings
from shared.db.migrations import upgrade
from shared.db.session import create_engine, create_sessionmaker
from shared.events.schemas import Event
from shared.infra.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import Keys
from tests.scoring.conftest import JOURNEY_MAP, publish_map
from tests.scoring.test_experience import journey_of, with_customer

CUSTOMERS = 60


@pytest.fixture(scope="module")
def private(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    postgres = EmbeddedPostgres(
        tmp_path_factory.mktemp("pg-recovery") / "data", delete_on_stop=True
    )
    broker = EmbeddedBroker()
    try:
        url = postgres.start()
        bootstrap = broker.start()
        upgrade(url)
        yield {"DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": bootstrap}
    finally:
        broker.stop()
        postgres.stop()


class ScoringProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shared.cli", "serve", "scoring"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


@pytest.fixture
async def setup(
    private: dict[str, str], keys: Keys, tmp_path: Path
) -> AsyncIterator[tuple[ScoringProcess, EventPublisher, Any, int]]:
    settings = ServiceSettings(kafka_bootstrap_servers=private["KAFKA_BOOTSTRAP_SERVERS"],
                               kafka_enable_idempotence=False)  # fmt: skip
    await ensure_topics(settings)
    producer = create_producer(settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=30)
    await publish_map(publisher, 1, JOURNEY_MAP)
    port = free_port()
    env = {**os.environ, **private, "KAFKA_ENABLE_IDEMPOTENCE": "false", "PORT": str(port),
           "KAFKA_SESSION_TIMEOUT_MS": "3000", "LOG_JSON": "false",
           "API_KEYS": json.dumps([k.model_dump(mode="json") for k in keys.all])}  # fmt: skip
    process = ScoringProcess(env, tmp_path / "scoring.log")
    engine = create_engine(ServiceSettings(database_url=private["DATABASE_URL"]))
    try:
        yield process, publisher, create_sessionmaker(engine), port
    finally:
        process.stop()
        await producer.stop()
        await engine.dispose()


async def count(sessions: Any, prefix: str) -> int:
    async with sessions() as session:
        query = select(func.count()).where(signal_table.c.customer_id.like(f"{prefix}%"))
        return int((await session.execute(query)).scalar_one())


async def wait_count(sessions: Any, prefix: str, target: int, timeout: float = 120) -> None:
    async with asyncio.timeout(timeout):
        while await count(sessions, prefix) < target:
            await asyncio.sleep(0.1)


async def states(port: int, key: str, customers: list[str]) -> list[Any]:
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
        result = []
        for customer in customers:
            body = (await client.get(f"/v1/customers/{customer}/experience")).json()
            timeline = (await client.get(f"/v1/customers/{customer}/timeline",
                                         params={"limit": 500})).json()  # fmt: skip
            result.append((round(body["lxi"], 9), body["signals"], body["positives"],
                           body["negatives"], body["last_nps"],
                           [round(e["valence"], 12) for e in timeline["entries"]]))  # fmt: skip
        return result


async def test_kill_9_mid_stream_then_restart_equals_a_clean_run(setup: Any, keys: Keys) -> None:
    process, publisher, sessions, port = setup
    rng = random.Random(5)
    templates = [journey_of(f"t{i}", rng) for i in range(CUSTOMERS)]
    clean = [with_customer(t, f"clean-{i}") for i, t in enumerate(templates)]
    crashed = [with_customer(t, f"crash-{i}") for i, t in enumerate(templates)]
    total = sum(len(events) for events in clean)

    process.start()
    await send_all(publisher, clean)
    await wait_count(sessions, "clean-", total)
    await send_all(publisher, crashed)
    await wait_count(sessions, "crash-", total // 3, timeout=60)
    process.kill()
    assert await count(sessions, "crash-") < total
    process.start()
    await wait_count(sessions, "crash-", total)
    await ready(port)

    assert await count(sessions, "crash-") == total
    clean_states = await states(port, keys.reader, [f"clean-{i}" for i in range(CUSTOMERS)])
    crash_states = await states(port, keys.reader, [f"crash-{i}" for i in range(CUSTOMERS)])
    assert crash_states == clean_states


async def send_all(publisher: EventPublisher, per_customer: list[list[Event]]) -> None:
    events = [e for events in per_customer for e in events]
    for start in range(0, len(events), 500):
        outcomes = await publisher.publish_many(events[start : start + 500])
        assert not any(outcomes)


async def ready(port: int) -> None:
    async with asyncio.timeout(30), httpx.AsyncClient() as client:
        while True:
            try:
                if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
