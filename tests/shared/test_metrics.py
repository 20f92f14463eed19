"""Prometheus metrics: /metrics on a served app, request timing by route template, consumer
counts and lag on the real broker, dead letters, and gauges sampled from a service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from prometheus_client import REGISTRY, CollectorRegistry, Gauge
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared.config import ApiKey, ServiceSettings, hash_api_key
from shared.db.session import create_engine, create_sessionmaker
from shared.events.schemas import Event
from shared.events.topics import Topic
from shared.http import create_service_app
from shared.kafka.producer import EventPublisher
from shared.kafka.runner import Consumed, ConsumerRunner, ConsumerSpec, InvalidEvent
from shared.metrics import Sample, SampledGauge, sampling
from tests.conftest import Infra, Keys, serve, unique
from tests.shared.test_runner import interaction, produce, run_until, stop

things = APIRouter()


@things.get("/v1/things/{thing_id}")
async def get_thing(thing_id: str) -> dict[str, str]:
    return {"id": thing_id}


@asynccontextmanager
async def served(**settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    settings.setdefault("freeze_startup_heap", False)
    app = create_service_app(ServiceSettings(**settings), title="things", description="things")
    app.include_router(things)
    async with serve(app) as url, httpx.AsyncClient(base_url=url) as client:
        yield client


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_metrics_answers_in_the_prometheus_text_format() -> None:
    async with served() as client:
        await client.get("/healthz")
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    timed = families["cxloop_http_request_duration_seconds"]
    assert timed.type == "histogram"
    assert any(s.labels.get("route") == "/healthz" for s in timed.samples)
    assert "cxloop_events_consumed" in families
    assert "process_cpu_seconds" in families


async def test_a_request_is_timed_by_its_route_template_not_its_path() -> None:
    thing = unique("thing")
    labels = {"method": "GET", "route": "/v1/things/{thing_id}", "status": "200"}
    before = value("cxloop_http_request_duration_seconds_count", **labels)
    async with served() as client:
        assert (await client.get(f"/v1/things/{thing}")).status_code == 200
        exposed = (await client.get("/metrics")).text

    assert value("cxloop_http_request_duration_seconds_count", **labels) == before + 1
    assert thing not in exposed


async def test_unrouted_paths_and_odd_methods_add_no_series() -> None:
    path = f"/{unique('nowhere')}"
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    other = {"method": "other", "route": "/v1/things/{thing_id}", "status": "405"}
    before = value("cxloop_http_request_duration_seconds_count", **unmatched)
    before_other = value("cxloop_http_request_duration_seconds_count", **other)
    async with served() as client:
        assert (await client.get(path)).status_code == 404
        assert (await client.request("PROPFIND", "/v1/things/pot")).status_code == 405
        exposed = (await client.get("/metrics")).text

    assert value("cxloop_http_request_duration_seconds_count", **unmatched) == before + 1
    assert value("cxloop_http_request_duration_seconds_count", **other) == before_other + 1
    assert path not in exposed
    assert "PROPFIND" not in exposed


async def test_metrics_can_require_a_key_or_be_off(keys: Keys) -> None:
    scraper = "scrape-" + unique("key")
    api_keys = (
        *keys.all,
        ApiKey(name="prometheus", sha256=hash_api_key(scraper), scopes=frozenset({"metrics:read"})),
    )

    async with served(metrics_access="key", api_keys=api_keys) as client:
        anonymous = await client.get("/metrics")
        other_scope = await client.get(
            "/metrics", headers={"Authorization": f"Bearer {keys.writer}"}
        )
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {scraper}"})
    async with served(metrics_access="off") as client:
        off = await client.get("/metrics")

    assert (anonymous.status_code, other_scope.status_code, allowed.status_code) == (401, 403, 200)
    assert off.status_code == 404


# Consumers, on the real broker and database.


@pytest.fixture(scope="module")
async def sessions(infra: Infra) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine: AsyncEngine = create_engine(ServiceSettings(database_url=infra.database_url))
    yield create_sessionmaker(engine)
    await engine.dispose()


def spec(topic: Topic, handler: Any, max_batch: int = 50) -> ConsumerSpec:
    return ConsumerSpec(
        name=unique("consumer"),
        topics=(topic,),
        group=unique("group"),
        handler=handler,
        max_batch=max_batch,
        retry_backoff=0.01,
    )


def lag(runner: ConsumerRunner, topic: Topic, partition: int) -> float | None:
    labels = {
        "consumer": runner.spec.name,
        "group": runner.spec.group,
        "topic": topic.name,
        "partition": str(partition),
    }
    return REGISTRY.get_sample_value("cxloop_consumer_lag", labels)


async def test_batches_count_consumed_events_and_set_the_lag_of_each_partition(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    customer = unique("cust")
    events = [interaction(customer=customer) for _ in range(30)]  # one key: one partition
    await produce(publisher.producer, topic, events)
    release, calls = asyncio.Event(), 0

    async def second_batch_waits(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        nonlocal calls
        calls += 1
        if calls == 2:
            await release.wait()
        return []

    runner = ConsumerRunner(
        spec(topic, second_batch_waits, max_batch=5), settings, sessions, publisher
    )
    task = await run_until(runner, _condition(lambda: calls >= 2))
    lags_while_waiting = lags(runner, topic)
    release.set()
    await run_until_done(runner, task, lambda: runner.processed >= 30)
    lags_when_done = lags(runner, topic)
    consumed = value(
        "cxloop_events_consumed_total",
        consumer=runner.spec.name,
        group=runner.spec.group,
        topic=topic.name,
    )
    batches = value("cxloop_consumer_batch_duration_seconds_count", consumer=runner.spec.name)
    await stop(runner, task)

    # 30 on one partition, the first batch of 5 processed; the other two are empty
    assert sorted(lags_while_waiting.values()) == [0, 0, 25]
    assert lags_when_done == {0: 0, 1: 0, 2: 0}
    assert consumed == 30
    assert batches >= 6
    assert lags(runner, topic) == {}  # a stopped consumer's partitions are dropped


def lags(runner: ConsumerRunner, topic: Topic) -> dict[int, float]:
    found = {p: lag(runner, topic, p) for p in range(topic.partitions)}
    return {p: v for p, v in found.items() if v is not None}


def _condition(check: Any) -> Any:
    async def condition() -> bool:
        return bool(check())

    return condition


async def run_until_done(runner: ConsumerRunner, task: asyncio.Task[None], check: Any) -> None:
    async with asyncio.timeout(30):
        while not check():
            if task.done():
                task.result()
            await asyncio.sleep(0.05)


async def test_dead_letters_are_counted_by_reason(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher, topic: Topic
) -> None:
    rejected, good = interaction(), interaction()
    applied: list[str] = []

    async def reject_one(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        for consumed in batch:
            if consumed.envelope.id == rejected.event_id:
                raise InvalidEvent(consumed, "never applicable")
        applied.extend(c.envelope.id for c in batch)
        return []

    await publisher.producer.send_and_wait(topic.name, b"\x00garbage", key=b"c1")
    await produce(publisher.producer, topic, [rejected, good])
    runner = ConsumerRunner(spec(topic, reject_one), settings, sessions, publisher)

    await stop(runner, await run_until(runner, _condition(lambda: good.event_id in applied)))

    name, group = runner.spec.name, runner.spec.group
    for reason in ("undecodable", "rejected"):
        assert value("cxloop_dead_letters_total", consumer=name, group=group, reason=reason) == 1


async def test_published_events_are_counted_by_topic_and_outcome(
    publisher: EventPublisher,
) -> None:
    events = [interaction() for _ in range(3)]
    labels = {"topic": events[0].topic.name, "outcome": "acknowledged"}
    before = value("cxloop_events_produced_total", **labels)

    assert not any(await publisher.publish_many(events))

    assert value("cxloop_events_produced_total", **labels) >= before + 3


# Gauges a service samples (pure: a registry of the test's own).


@pytest.fixture
def gauge() -> Gauge:
    return Gauge("things_open", "Open things.", ["state"], registry=CollectorRegistry())


async def test_sampled_gauges_follow_their_sample_and_keep_the_last_values_on_failure(
    gauge: Gauge,
) -> None:
    samples: list[Sample | Exception] = [
        {("open",): 3, ("late",): 1},
        {("open",): 2},
        RuntimeError("database down"),
    ]
    taken = asyncio.Event()

    async def sample() -> Sample:
        taken.set()
        answer = samples.pop(0) if len(samples) > 1 else samples[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    sampled = SampledGauge(gauge, sample)
    shown = []
    for _ in range(3):
        await sampled.refresh(within=1)
        shown.append({s.labels["state"]: s.value for s in gauge.collect()[0].samples})

    assert shown == [{"open": 3, "late": 1}, {"open": 2}, {"open": 2}]
    assert value("cxloop_gauge_sample_failures_total", gauge="things_open") >= 1
    async with sampling([sampled], every=0.05):
        taken.clear()
        await asyncio.wait_for(taken.wait(), 5)
