"""A PostgreSQL, a broker and services of the reliability tests' own, as real processes.

The tests stop, kill and restart all of them, so none is shared with the rest of the suite:
each test module gets its own database and broker, and each service runs as
``python -m cxloop.cli serve <name>``, configured from the environment as in production.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cxloop.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.config import ServiceSettings
from shared.db.migrations import upgrade
from shared.db.session import create_engine
from shared.events.envelope import encode
from shared.events.schemas import Event
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import create_producer
from tests.conftest import Keys

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 60.0


class PrivateStack:
    """An embedded PostgreSQL and an embedded broker that only their owner uses.

    The database keeps its data across :meth:`restart_database`; the broker keeps nothing
    across :meth:`restart_broker` (memory storage), so the topics are created again.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.postgres = EmbeddedPostgres(root / "pg", delete_on_stop=False)
        self.broker = EmbeddedBroker(log=root / "broker.log")
        self.database_url = ""

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap_servers

    def start(self) -> PrivateStack:
        self.database_url = self.postgres.start()
        self.broker.start()
        upgrade(self.database_url)
        asyncio.run(self.create_topics())
        return self

    def close(self) -> None:
        self.broker.stop()
        self.postgres.stop()
        shutil.rmtree(self.postgres.data_dir, ignore_errors=True)

    async def create_topics(self) -> None:
        await ensure_topics(self.settings())

    def settings(self, **values: Any) -> ServiceSettings:
        return ServiceSettings(
            database_url=self.database_url,
            kafka_bootstrap_servers=self.bootstrap_servers,
            kafka_enable_idempotence=False,
            **values,
        )

    async def restart_broker(self, down_for: float = 0) -> None:
        """Stop the broker, wait ``down_for`` seconds, start it on the same port, and create
        the topics before anyone produces (an auto-created topic would have one partition)."""
        await asyncio.to_thread(self.broker.stop)
        await asyncio.sleep(down_for)
        await asyncio.to_thread(self.broker.start)
        await self.create_topics()

    async def stop_database(self) -> None:
        await asyncio.to_thread(self.postgres.stop)

    async def start_database(self) -> None:
        url = await asyncio.to_thread(self.postgres.start)
        assert url == self.database_url, "the database came back at another address"

    def engine(self) -> AsyncEngine:
        return create_engine(self.settings())


def service_environment(stack: PrivateStack, keys: Keys, **values: Any) -> dict[str, str]:
    """What a service process of ``stack`` reads: its settings, upper-cased, over ours."""
    settings = {
        "DATABASE_URL": stack.database_url,
        "KAFKA_BOOTSTRAP_SERVERS": stack.bootstrap_servers,
        "KAFKA_ENABLE_IDEMPOTENCE": "false",
        # a killed consumer's partitions go to the restarted one after this long
        "KAFKA_SESSION_TIMEOUT_MS": "3000",
        "LOG_JSON": "false",
        "LOG_LEVEL": "WARNING",
        "API_KEYS": json.dumps([k.model_dump(mode="json") for k in keys.all]),
    }
    settings.update({name.upper(): str(value) for name, value in values.items()})
    return {**os.environ, **settings}


class ServiceProcess:
    """``cxloop serve <name>`` in a process of its own, on a port that stays the same across
    restarts; its output goes to ``log``."""

    def __init__(self, name: str, environment: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.environment = {**environment, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cxloop.cli", "serve", self.name],
                cwd=ROOT,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing in flight is committed."""
        assert self.process is not None
        assert self.process.poll() is None, f"{self.name} is down"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    async def ready(self, timeout: float = READY_SECONDS) -> ServiceProcess:
        """Wait for ``/readyz`` to answer 200; fail with the end of the log otherwise."""
        try:
            async with asyncio.timeout(timeout), httpx.AsyncClient(base_url=self.url) as client:
                while not await self._ready(client):
                    assert self.process is not None
                    assert self.process.poll() is None, f"{self.name} exited"
                    await asyncio.sleep(0.1)
        except (TimeoutError, AssertionError) as exc:
            raise AssertionError(f"{self.name} not ready ({exc!r}); log:\n{self.tail()}") from exc
        return self

    @staticmethod
    async def _ready(client: httpx.AsyncClient) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return (await client.get("/readyz")).status_code == 200
        return False

    def client(self, key: str) -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {key}"}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


async def produce(
    bootstrap: str, events: Sequence[Event], chunk: int = 5000, pause: float = 0
) -> None:
    """Write ``events`` straight to their topics, batched, and wait for every acknowledgement:
    much faster than one round trip per event. ``pause`` seconds between chunks make a flow
    rather than one burst."""
    settings = ServiceSettings(kafka_bootstrap_servers=bootstrap, kafka_enable_idempotence=False)
    producer = create_producer(settings, linger_ms=20, max_batch_size=1024 * 1024)
    await producer.start()
    try:
        for start in range(0, len(events), chunk):
            await _send_chunk(producer, events[start : start + chunk])
            await asyncio.sleep(pause)
    finally:
        await producer.stop()


async def _send_chunk(producer: AIOKafkaProducer, events: Sequence[Event]) -> None:
    pending = []
    for event in events:
        message = encode(event, "/tests/reliability")
        pending.append(
            await producer.send(
                event.topic.name,
                message.value,
                key=event.customer_id.encode(),
                headers=list(message.headers.items()),
            )
        )
    await asyncio.gather(*pending)


async def scalar(engine: AsyncEngine, query: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(text(query), params)).scalar_one()


async def rows(engine: AsyncEngine, query: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list(await conn.execute(text(query), params))


async def until(
    condition: Callable[[], Awaitable[bool]], timeout: float, what: str = "condition"
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds saying ``what``."""
    try:
        async with asyncio.timeout(timeout):
            while not await condition():
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"not within {timeout:.0f} s: {what}") from None
