"""Real infrastructure for the suite: PostgreSQL and a Kafka-compatible broker.

With DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS set, the suite runs against those (e.g. Apache
Kafka from docker-compose); otherwise it starts the embedded ones, once per session.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord
from fastapi import FastAPI
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from bench.consumers import skip_to_end
from cxloop.embedded import EmbeddedBroker, EmbeddedPostgres, free_port
from shared.config import ApiKey, ServiceSettings, hash_api_key
from shared.db.migrations import upgrade
from shared.db.session import async_url
from shared.events.envelope import InvalidEnvelope, decode
from shared.events.schemas import Event
from shared.journey import JourneyMapPublished
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import EventPublisher

# The cursor key of the suite, as of one deployment: every app a test builds from the
# environment signs with it, and every process a test starts inherits it.
os.environ.setdefault("CURSOR_KEY", "cxloop-suite-" + secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Infra:
    database_url: str
    bootstrap_servers: str
    embedded_broker: bool


@dataclass
class Running:
    """A service app served for real, with a client and a publisher feeding its topics."""

    app: FastAPI
    client: httpx.AsyncClient
    publisher: EventPublisher
    settings: Any

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        sessions: async_sessionmaker[AsyncSession] = self.app.state.sessions
        return sessions

    async def send(self, events: Sequence[Event]) -> None:
        outcomes = await self.publisher.publish_many(events)
        assert not any(outcomes), outcomes


SLOW_TIERS = {"browser": "browser", "reliability": "reliability"}  # folder -> marker


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under a slow tier's folder carries its marker, so `make test-fast` leaves
    it out even when a module forgets its ``pytestmark``."""
    for item in items:
        parts = item.path.relative_to(Path(__file__).parent).parts
        if parts and (marker := SLOW_TIERS.get(parts[0])):
            item.add_marker(marker)


@dataclass(frozen=True)
class Keys:
    writer: str
    reader: str
    all: tuple[ApiKey, ...]
    # referents' keys (tasks:*), each limited to its department: logistics, customer-service
    logistics: str = ""
    customer_service: str = ""
    # a logistics referent's key that also reads (ops:read), as the console's referents hold
    logistics_reader: str = ""


@pytest.fixture(scope="session")
def infra(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infra]:
    postgres = broker = None
    database_url = os.environ.get("DATABASE_URL")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not database_url:
        postgres = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", delete_on_stop=True)
        database_url = postgres.start()
    if not bootstrap:
        broker = EmbeddedBroker(log=Path(tmp_path_factory.mktemp("broker")) / "broker.log")
        bootstrap = broker.start()
    try:
        upgrade(database_url)
        settings = ServiceSettings(kafka_bootstrap_servers=bootstrap)
        asyncio.run(ensure_topics(settings))
        yield Infra(database_url, bootstrap, embedded_broker=broker is not None)
    finally:
        if broker is not None:
            broker.stop()
        if postgres is not None:
            postgres.stop()


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a JSON ``EXPLAIN`` plan, the plan's own first."""
    yield plan
    for child in plan.get("Plans", ()):
        yield from plan_nodes(child)


@asynccontextmanager
async def fresh_database(
    infra: Infra, prefix: str, services: Sequence[str] | None = None
) -> AsyncIterator[str]:
    """A database of its own in the suite's cluster, migrated for ``services`` (default all),
    that no other test writes; dropped on exit. Yields its URL."""
    name = unique(prefix).replace("-", "_")
    admin = create_async_engine(async_url(infra.database_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(infra.database_url).set(database=name)
        fresh = url.render_as_string(hide_password=False)
        await asyncio.to_thread(upgrade, fresh, list(services) if services else None)
        yield fresh
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


def consumer_groups() -> dict[str, list[str]]:
    """Every consumer group the services declare, with its topics, read from their
    registries (the handlers' dependencies are stand-ins: nothing here runs them)."""
    from unittest.mock import Mock

    from services.actions.config import ActionsSettings
    from services.actions.consumers import consumer_specs as actions_specs
    from services.alerts.config import AlertsSettings
    from services.alerts.consumers import consumer_specs as alerts_specs
    from services.scoring.config import ScoringSettings
    from services.scoring.consumers import consumer_specs as scoring_specs

    specs = [
        *scoring_specs(ScoringSettings(), Mock()),
        *alerts_specs(AlertsSettings(), Mock(), Mock()),
        *actions_specs(ActionsSettings(), Mock(), Mock()),
    ]
    return {spec.group: [topic.name for topic in spec.topics] for spec in specs}


async def groups_at_the_end(infra: Infra) -> str:
    """A consumer-group prefix (``KAFKA_GROUP_PREFIX``) whose groups start at the current
    end of their topics: apps started with it see only what is published from now on, not
    the records every earlier test left on the topics."""
    prefix = unique("g") + "-"
    settings = ServiceSettings(kafka_bootstrap_servers=infra.bootstrap_servers)
    groups = consumer_groups()
    await asyncio.gather(*(skip_to_end(settings, prefix + g, ts) for g, ts in groups.items()))
    return prefix


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, for tests that stop and restart it."""
    broker = EmbeddedBroker(log=tmp_path / "broker.log")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture(scope="session")
def keys() -> Keys:
    writer, reader = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    logistics, customer_service = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    logistics_reader = secrets.token_urlsafe(16)
    tasks = frozenset({"tasks:*"})
    return Keys(
        writer=writer,
        reader=reader,
        logistics=logistics,
        customer_service=customer_service,
        logistics_reader=logistics_reader,
        all=(
            ApiKey(name="website", sha256=hash_api_key(writer), scopes=frozenset({"events:write"})),
            ApiKey(name="ops", sha256=hash_api_key(reader), scopes=frozenset({"ops:*"})),
            ApiKey(
                name="lea-bernard",
                sha256=hash_api_key(logistics),
                scopes=tasks,
                department="logistics",
            ),
            ApiKey(
                name="sarah-moreau",
                sha256=hash_api_key(customer_service),
                scopes=tasks,
                department="customer-service",
            ),
            ApiKey(
                name="lea-bernard-reads",
                sha256=hash_api_key(logistics_reader),
                scopes=tasks | {"ops:read"},
                department="logistics",
            ),
        ),
    )


def settings_for(infra: Infra, keys: Keys, cls: type[ServiceSettings], **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "database_url": infra.database_url,
        "kafka_bootstrap_servers": infra.bootstrap_servers,
        "kafka_enable_idempotence": not infra.embedded_broker,
        "api_keys": keys.all,
        "log_json": False,
        "startup_wait_seconds": 5,
        # the suite starts hundreds of apps in one process: frozen, each one's cycles would
        # outlive it (tests/shared/test_http_heap.py checks the freeze itself)
        "freeze_startup_heap": False,
    }
    values.update(overrides)
    return cls(**values)


@asynccontextmanager
async def serve(app: FastAPI, port: int | None = None) -> AsyncIterator[str]:
    """Run ``app`` under a real uvicorn on loopback (``port``, else a free one); yield its
    base URL."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(20):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def client_for(app: FastAPI, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """``app`` served for real, and a client that sends ``key``."""
    async with serve(app) as url:
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
            yield client


async def consume(
    bootstrap: str, topic: str, want: int, timeout: float = 15.0, **filters: bytes
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read ``topic`` from the start until ``want`` records match the header ``filters``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    partitions = consumer.partitions_for_topic(topic) or set()
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    await consumer.seek_to_beginning()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(found) < want:
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    found += [r for r in records if _matches(r, filters)]
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return found


async def read_all(
    bootstrap: str, topic: str, **filters: bytes
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` published so far that matches the header ``filters``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        ends = await consumer.end_offsets(partitions)
        found: list[ConsumerRecord[bytes, bytes]] = []
        async with asyncio.timeout(30):
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    found += [r for r in records if _matches(r, filters)]
            # the embedded broker reports the start of a partition's last batch as its end
            while batches := await consumer.getmany(timeout_ms=300):
                for records in batches.values():
                    found += [r for r in records if _matches(r, filters)]
        return found
    finally:
        await consumer.stop()


async def newest_map_version(infra: Infra) -> int:
    """The highest journey map version on the topic (0 when there is none)."""
    versions = [0]
    for record in await read_all(infra.bootstrap_servers, "cx.journey-map"):
        try:
            event = decode(list(record.headers), record.key, record.value).data
        except InvalidEnvelope:
            continue
        if isinstance(event, JourneyMapPublished):
            versions.append(event.version)
    return max(versions)


def _matches(record: ConsumerRecord[bytes, bytes], filters: dict[str, bytes]) -> bool:
    headers = dict(record.headers or ())
    return all(headers.get(name) == value for name, value in filters.items())


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
