"""The dead-letter limit: a consumer that would dead-letter most of what it reads stops
without committing, says why (``/healthz``, a metric, a log line), and once fixed and
restarted resumes from its last commit without losing a record."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession

from shared.config import ServiceSettings
from shared.events.schemas import Event, InteractionRecorded
from shared.events.topics import Topic
from shared.http import create_service_app
from shared.kafka.admin import ensure_topics
from shared.kafka.deadletter import DeadLetterLimit, DeadLetterLimitExceeded
from shared.kafka.producer import EventPublisher
from shared.kafka.runner import Consumed, ConsumerSpec, InvalidEvent
from shared.runtime import Resources, running_consumers
from tests.conftest import consume, serve, unique
from tests.reliability.stack import until
from tests.shared import test_runner
from tests.shared.test_runner import effects, interaction, produce, record_effects

# the runner tests' database and their effect table
engine, sessions = test_runner.engine, test_runner.sessions

RENAMED = "checkout-v2"  # a touchpoint upstream renamed before this consumer knew it


def test_the_limit_counts_dead_letters_among_the_last_records_read() -> None:
    limit = DeadLetterLimit(share=0.5, window=4)
    limit.read(4)
    limit.admit("c")
    limit.admit("c")
    with pytest.raises(DeadLetterLimitExceeded, match="more than 50% of the last 4"):
        limit.admit("c")
    assert limit.dead_in_window == 2  # the refused one is not counted
    limit.read(3)  # the two dead letters (read at 4) are still among the last 4 (4..7)
    with pytest.raises(DeadLetterLimitExceeded):
        limit.admit("c")
    limit.read(1)  # now they have left the window
    limit.admit("c")
    assert limit.dead_in_window == 1


def test_a_share_of_one_never_stops() -> None:
    limit = DeadLetterLimit(share=1, window=3)
    limit.read(3)
    for _ in range(3):
        limit.admit("c")


async def strict(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
    """The consumer before the fix: it refuses the renamed touchpoint."""
    for consumed in batch:
        event = consumed.event
        if isinstance(event, InteractionRecorded) and event.touchpoint == RENAMED:
            raise InvalidEvent(consumed, f"unknown touchpoint {RENAMED}")
    return await record_effects(session, batch)


def consuming_app(settings: ServiceSettings, sessions: Any, publisher: Any, spec: Any) -> FastAPI:
    """A service app whose only consumer is ``spec``, supervised as every service's are."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = Resources(publisher.producer, publisher, sessions=sessions)
        async with running_consumers(app, settings, resources, [spec]):
            yield

    return create_service_app(settings, title="limited", description="", lifespan=lifespan)


async def test_a_burst_of_dead_letters_stops_the_consumer_and_the_fixed_one_loses_nothing(
    settings: ServiceSettings, sessions: Any, publisher: EventPublisher
) -> None:
    settings = settings.model_copy(
        update={
            "dead_letter_limit_share": 0.5,
            "dead_letter_limit_window": 20,
            "freeze_startup_heap": False,
        }
    )
    topic = Topic(unique("test.limit"), partitions=1)  # one partition: read in this order
    await ensure_topics(settings, (topic,))
    good = [interaction() for _ in range(30)]
    burst = [
        interaction() if n % 5 == 4 else interaction().model_copy(update={"touchpoint": RENAMED})
        for n in range(50)
    ]
    await produce(publisher.producer, topic, good + burst)
    spec = ConsumerSpec(
        name=unique("limited"), topics=(topic,), group=unique("group"), handler=strict
    )
    spec = ConsumerSpec(**{**spec.__dict__, "max_batch": 10, "retry_backoff": 0.01})

    with structlog.testing.capture_logs() as logs:
        async with serve(consuming_app(settings, sessions, publisher, spec)) as url:
            health = await stopped_health(url)
            metrics = (await httpx.AsyncClient().get(f"{url}/metrics")).text
    applied_before = set(await effects(sessions, topic))

    assert "dead-letter limit" in health["failures"]["consumers"]
    assert "more than 50% of the last 20 records" in health["failures"]["consumers"]
    labels = f'consumer="{spec.name}",group="{spec.group}",reason="dead_letter_limit"'
    stopped = f"cxloop_consumer_stopped{{{labels}}} 1.0"
    assert stopped in metrics
    assert any(
        line["event"] == "dead-letter limit reached, consumer stops without committing"
        and line["consumer"] == spec.name
        for line in logs
    )
    # The 30 good records and a part of the burst, not the whole topic; every dead letter
    # published came from the last 20 records read, so at most 10 of them.
    parked = await parked_ids(settings, spec.name, want=10)
    assert {e.event_id for e in good} <= applied_before
    assert len(applied_before) < len(good + burst) - len(parked)
    assert len(parked) == 10

    fixed = ConsumerSpec(**{**spec.__dict__, "handler": record_effects})
    async with serve(consuming_app(settings, sessions, publisher, fixed)) as url:

        async def nothing_lost() -> bool:
            applied = set(await effects(sessions, topic))
            return applied | parked == {e.event_id for e in good + burst}

        await until(nothing_lost, 30, what="every record applied or parked")
        assert (await httpx.AsyncClient().get(f"{url}/healthz")).status_code == 200
    assert {e.event_id for e in good + burst if e.touchpoint != RENAMED} <= set(
        await effects(sessions, topic)
    )
    # the fixed consumer parked nothing more
    assert REGISTRY.get_sample_value(
        "cxloop_dead_letters_total",
        {"consumer": spec.name, "group": spec.group, "reason": "rejected"},
    ) == len(parked)


async def stopped_health(url: str) -> dict[str, Any]:
    """Wait for ``/healthz`` to answer 503; return its body."""
    async with httpx.AsyncClient(base_url=url) as client:

        async def failing() -> bool:
            return (await client.get("/healthz")).status_code == 503

        await until(failing, 30, what="the consumer stopped by its dead-letter limit")
        body: dict[str, Any] = (await client.get("/healthz")).json()
        return body


async def parked_ids(settings: ServiceSettings, consumer: str, want: int) -> set[str]:
    """The event ids ``consumer`` parked on ``cx.deadletter`` (reading until ``want``)."""
    records = await consume(
        settings.kafka_bootstrap_servers, "cx.deadletter", want, dlq_consumer=consumer.encode()
    )
    return {dict(r.headers)["ce_id"].decode() for r in records}
