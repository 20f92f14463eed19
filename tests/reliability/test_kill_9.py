"""kill -9 each consumer service in the middle of a stream of 50,000 events, restart it:
every event counted once in the scores, every alert raised once.

One stream runs through scoring, alerts and actions, each a real process; each is killed
with SIGKILL when the database shows it part-way through, and started again. The module's
tests then check what each service made of the stream.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import read_all
from tests.reliability.conftest import Starter, publish_journey_map
from tests.reliability.stack import PrivateStack, ServiceProcess, produce, rows, scalar, until
from tests.reliability.stream import Stream, survey_stream

pytestmark = [pytest.mark.reliability, pytest.mark.timeout(300)]

EVENTS = 50_000
PER_CUSTOMER = 10
PREFIX = "k9"


@dataclass
class Crashes:
    """How far each service had gone when it was killed."""

    scoring_at: int = 0
    alerts_at: int = 0
    actions_at: int = 0


@pytest.fixture(scope="module")
def stream() -> Stream:
    return survey_stream(PREFIX, EVENTS // PER_CUSTOMER, PER_CUSTOMER)


@pytest.fixture(scope="module")
async def crashed(
    stack: PrivateStack, engine: AsyncEngine, stream: Stream, module_service: Starter
) -> Crashes:
    """The stream, with scoring, alerts and actions each killed once part-way through and
    restarted; returns once every service has applied all of it."""
    await publish_journey_map(stack)
    names = ["scoring", "alerts", "actions"]
    processes = {name: module_service(name) for name in names}
    await asyncio.gather(*(p.ready() for p in processes.values()))
    crashes = Crashes()
    producing = asyncio.create_task(produce(stack.bootstrap_servers, stream.events))

    crashes.scoring_at = await kill_when(engine, processes["scoring"], SIGNALS, EVENTS // 3)
    crashes.alerts_at = await kill_when(engine, processes["alerts"], MOMENTS, EVENTS // 2)
    crashes.actions_at = await kill_when(engine, processes["actions"], TASK_ROWS, 300)
    await producing

    await reaches(engine, SIGNALS, EVENTS, timeout=180)
    await reaches(engine, MOMENTS, EVENTS, timeout=120)
    await until(lambda: tasks_settled(engine), timeout=120, what="every task opened")
    return crashes


SIGNALS = "SELECT count(*) FROM scoring.signal"
MOMENTS = "SELECT count(*) FROM alerts.processed_event"
TASK_ROWS = "SELECT count(*) FROM actions.task"


async def kill_when(engine: AsyncEngine, process: ServiceProcess, query: str, at: int) -> int:
    """SIGKILL ``process`` once ``query`` counts ``at`` or more; restart it; return the count
    seen at the kill."""
    await reaches(engine, query, at, timeout=120)
    process.kill()
    seen = int(await scalar(engine, query))
    process.start()
    await process.ready()
    return seen


async def reaches(engine: AsyncEngine, query: str, target: int, timeout: float) -> None:
    async def done() -> bool:
        return int(await scalar(engine, query)) >= target

    await until(done, timeout, what=f"{query} reaching {target}")


async def test_scoring_counts_every_event_exactly_once(
    crashed: Crashes, engine: AsyncEngine, stream: Stream
) -> None:
    assert crashed.scoring_at < EVENTS, "scoring was not killed mid-stream"
    count, distinct = (
        await rows(engine, "SELECT count(*), count(DISTINCT event_id) FROM scoring.signal")
    )[0]
    assert (count, distinct) == (EVENTS, EVENTS)
    assert await scalar(engine, "SELECT sum(signals) FROM scoring.customer") == EVENTS

    states = await rows(
        engine,
        "SELECT customer_id, s, w, t_ref, signals, positives, negatives FROM scoring.customer",
    )
    assert len(states) == len(stream.customers)
    for customer, s, w, t_ref, signals, positives, negatives in states:
        expected = stream.customers[customer]
        want_s, want_w = expected.decayed()
        assert (signals, positives, negatives, t_ref) == (
            PER_CUSTOMER,
            expected.positives,
            expected.negatives,
            expected.t,
        ), customer
        assert math.isclose(s, want_s, rel_tol=1e-9, abs_tol=1e-9), (customer, s, want_s)
        assert math.isclose(w, want_w, rel_tol=1e-9, abs_tol=1e-9), (customer, w, want_w)


async def test_scoring_aggregates_count_every_event_exactly_once(
    crashed: Crashes, engine: AsyncEngine, stream: Stream
) -> None:
    totals = await rows(
        engine,
        "SELECT touchpoint, sum(signals), sum(valence_sum) "
        "FROM scoring.touchpoint_day GROUP BY touchpoint",
    )
    assert {tp for tp, _, _ in totals} == set(stream.touchpoints)
    for touchpoint, signals, valence_sum in totals:
        want_signals, want_sum = stream.touchpoints[touchpoint]
        assert signals == want_signals, touchpoint
        assert math.isclose(valence_sum, want_sum, rel_tol=1e-9, abs_tol=1e-9), touchpoint


async def test_each_negative_moment_of_truth_raises_exactly_one_alert(
    crashed: Crashes, engine: AsyncEngine, stream: Stream, stack: PrivateStack
) -> None:
    assert crashed.alerts_at < EVENTS, "alerts was not killed mid-stream"
    assert (
        await scalar(engine, "SELECT count(DISTINCT event_id) FROM alerts.processed_event")
        == EVENTS
    )
    alerts = await rows(
        engine,
        "SELECT customer_id, id, occurrences, changes FROM alerts.alert "
        "WHERE rule = 'negative_moment_of_truth'",
    )
    assert sorted(customer for customer, *_ in alerts) == sorted(stream.negative_at_delivery)
    assert {(occurrences, changes) for *_, occurrences, changes in alerts} == {(1, 1)}

    published = [json.loads(r.value) for r in await read_all(stack.bootstrap_servers, "cx.alerts")]
    raised = {
        (a["customer_id"], a["alert_id"])
        for a in published
        if a["rule"] == "negative_moment_of_truth" and a["change"] == "raised"
    }
    assert raised == {(customer, alert_id) for customer, alert_id, *_ in alerts}


async def test_each_customer_alert_opens_exactly_one_task_per_touchpoint(
    crashed: Crashes, engine: AsyncEngine
) -> None:
    """actions consumes cx.alerts: one task per customer x touchpoint in actions.task."""
    assert crashed.actions_at > 0
    opened = await rows(
        engine,
        "SELECT customer_id, touchpoint, count(*) FROM actions.task "
        "GROUP BY customer_id, touchpoint",
    )
    assert {count for *_, count in opened} == {1}
    assert {(c, tp) for c, tp, _ in opened} == await customer_alert_pairs(engine)


async def customer_alert_pairs(engine: AsyncEngine) -> set[tuple[str, str]]:
    pairs = await rows(
        engine,
        "SELECT DISTINCT customer_id, touchpoint FROM alerts.alert "
        "WHERE level = 'customer' AND touchpoint IS NOT NULL",
    )
    return {(customer, touchpoint) for customer, touchpoint in pairs}


async def tasks_settled(engine: AsyncEngine) -> bool:
    pairs = await rows(engine, "SELECT DISTINCT customer_id, touchpoint FROM actions.task")
    return {(c, tp) for c, tp in pairs} >= await customer_alert_pairs(engine)
