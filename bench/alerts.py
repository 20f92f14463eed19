"""End-to-end alert latency: from ``POST /v1/survey-responses`` of a detractor at a moment of
truth to the signed webhook a local receiver gets, under 1,000 events/s of other traffic.

Every hop is real: ingest, the broker, scoring, the alert rules, the webhook fan-out and
its delivery worker, each service in its own process, and a receiver that checks each
signature with the ``standardwebhooks`` package.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiokafka import TopicPartition

from bench.alert_workload import ALERT_RULE, AlertWorkload, Post
from bench.consumers import end_positions, first_timestamps, skip_to_end
from bench.context import Bench
from bench.database import connect
from bench.flame import Flame, flame_graph, flame_row
from bench.infra import Service
from bench.ingest import post_event, report_errors
from bench.openloop import OpenLoopResult, open_loop, percentile
from bench.processes import CpuMeter, MachineCpu, service_groups
from bench.receiver import WebhookReceiver, receiving
from bench.report import Row, Verdict, cpu_count, judge
from bench.scoring import scoring_service
from bench.signals import publish_journey_map
from shared.events.topics import ALERTS, MOMENTS, TASK_EVENTS

ALERT_DEPARTMENT = "logistics"  # owner of the alerts' touchpoint: the endpoint's filter
ALERT_RATE = 25
ALERT_COUNT = 550
WARMUP_ALERTS = 10
WARMUP_RATE = 5
WARMUP_SECONDS = 60.0  # the consumer groups join meanwhile
BACKGROUND_RATE = 1_000  # events/s
# Sent as small batches, as a relay of website and call-centre events would: the services
# downstream see the same 1,000 events/s, and ingest's cost per single POST (measured above)
# does not crowd the two cores out.
BACKGROUND_BATCH = 20
BACKGROUND_LEAD_SECONDS = 2.0  # before the first alert, and after the last
ARRIVAL_SECONDS = 10.0  # after the last POST: a webhook not received by then is missing
DRAIN_SECONDS = 10.0
P99_GOAL_SECONDS = 1.0
CONNECTIONS = 128

# The environment of the alerts service for this section.
ALERTS_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",  # the receiver listens on loopback
    # Over every alert of the run: each is sent alone. With the default (10 a minute to one
    # endpoint) the rest would arrive in a digest when its window ends: another figure.
    "WEBHOOK_DIGEST_THRESHOLD": "1000000",
}
RULES_GROUP = "alerts-rules"  # services/alerts/consumers.py
WEBHOOKS_GROUP = "alerts-webhooks"  # services/alerts/webhooks/fanout.py


@dataclass
class Timeline:
    """``perf_counter()`` times per customer: just before the POST, and at its 202."""

    sent: dict[str, float] = field(default_factory=dict)
    accepted: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Measured:
    customers: list[str]
    timeline: Timeline
    latencies: list[float]  # seconds, of the alerts that arrived
    missing: list[str]
    alert_posts: OpenLoopResult
    background: OpenLoopResult
    background_sent: int
    cpu: dict[str, float]
    flame: Flame


async def alerts_service(bench: Bench) -> Service:
    """Alerts with :data:`ALERTS_SETTINGS`; when no earlier section started it: the journey
    map published and its groups moved past what earlier sections put on their topics."""
    if not bench.running("alerts"):
        await publish_journey_map(bench.settings)
        await skip_to_end(bench.settings, RULES_GROUP, [MOMENTS.name])
        await skip_to_end(bench.settings, WEBHOOKS_GROUP, [ALERTS.name, TASK_EVENTS.name])
    return await bench.service("alerts", ALERTS_SETTINGS)


async def _subscribe(alerts: Service, url: str) -> tuple[uuid.UUID, str]:
    """Register ``url`` for the department's raised alerts; its id and signing secret."""
    body = {"url": url, "event_types": ["alert.raised"], "department": ALERT_DEPARTMENT}
    async with alerts.client(timeout=10.0, connections=1) as client:
        # 503 until alerts has applied a journey map: the department is checked against it
        for _ in range(300):
            response = await client.post("/v1/webhooks", json=body)
            if response.status_code != 503:
                break
            await asyncio.sleep(0.1)
    if response.status_code != 201:
        raise RuntimeError(f"webhook not registered: HTTP {response.status_code}: {response.text}")
    created = response.json()
    return uuid.UUID(created["id"]), str(created["secret"])


def _alert_poster(
    session: aiohttp.ClientSession, timeline: Timeline
) -> Callable[[Post], Awaitable[str | None]]:
    async def post(item: Post) -> str | None:
        timeline.sent[item.customer_id] = time.perf_counter()
        error = await post_event(session, item.path, item.body)
        if error is None:
            timeline.accepted[item.customer_id] = time.perf_counter()
        return error

    return post


def _batch_poster(session: aiohttp.ClientSession) -> Callable[[Post], Awaitable[str | None]]:
    async def post(item: Post) -> str | None:
        try:
            async with (
                asyncio.timeout(DRAIN_SECONDS),
                session.post(item.path, data=item.body) as response,
            ):
                answer = await response.read()
        except TimeoutError:
            return f"no answer within {DRAIN_SECONDS:.0f} s"
        except aiohttp.ClientError as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status != 202:
            return f"HTTP {response.status}: {answer[:300].decode(errors='replace')}"
        result = json.loads(answer)
        if result["rejected"] or result["failed"]:
            return f"items not accepted: {answer[:300].decode(errors='replace')}"
        return None

    return post


async def _until_arrived(
    receiver: WebhookReceiver, customers: Sequence[str], deadline: float
) -> list[str]:
    """Wait until each customer's alert arrived or ``deadline``; the customers still missing."""
    while True:
        missing = [c for c in customers if receiver.arrived(c, ALERT_RULE) is None]
        if not missing or time.perf_counter() > deadline:
            return missing
        await asyncio.sleep(0.02)


async def _warm_up(
    session: aiohttp.ClientSession, receiver: WebhookReceiver, workload: AlertWorkload
) -> None:
    """A few alerts through every hop, not counted: the consumer groups join meanwhile.

    :raises RuntimeError: one did not arrive within :data:`WARMUP_SECONDS`.
    """
    posts = [workload.detractor() for _ in range(WARMUP_ALERTS)]
    result = await open_loop(_alert_poster(session, Timeline()), posts, WARMUP_RATE, DRAIN_SECONDS)
    if result.errors:
        raise RuntimeError(f"warm-up alert not accepted by ingest: {result.errors[0]}")
    deadline = time.perf_counter() + WARMUP_SECONDS
    missing = await _until_arrived(receiver, [p.customer_id for p in posts], deadline)
    if missing:
        raise RuntimeError(
            f"{len(missing)} of {WARMUP_ALERTS} warm-up alerts not received within "
            f"{WARMUP_SECONDS:.0f} s; see bench/out/alerts.log and bench/out/scoring.log"
        )


async def _measure(
    session: aiohttp.ClientSession,
    receiver: WebhookReceiver,
    workload: AlertWorkload,
    meter: CpuMeter,
    machine: MachineCpu,
    alerts_pid: int,
    out_dir: Path,
) -> Measured:
    """Background traffic from :data:`BACKGROUND_LEAD_SECONDS` before the first alert to as
    long after the last, the alerts process recorded by py-spy meanwhile; then wait up to
    :data:`ARRIVAL_SECONDS` for the missing webhooks."""
    alerts = [workload.detractor() for _ in range(ALERT_COUNT)]
    seconds = ALERT_COUNT / ALERT_RATE + 2 * BACKGROUND_LEAD_SECONDS
    batches = round(BACKGROUND_RATE / BACKGROUND_BATCH * seconds)
    ordinary = [workload.ordinary_batch(BACKGROUND_BATCH) for _ in range(batches)]
    timeline = Timeline()
    async with flame_graph(alerts_pid, "alerts", out_dir) as flame:
        meter.start()
        machine.start()
        background = asyncio.create_task(
            open_loop(
                _batch_poster(session), ordinary, BACKGROUND_RATE / BACKGROUND_BATCH, DRAIN_SECONDS
            )
        )
        await asyncio.sleep(BACKGROUND_LEAD_SECONDS)
        poster = _alert_poster(session, timeline)
        posted = await open_loop(poster, alerts, ALERT_RATE, DRAIN_SECONDS)
        loaded = await background
        ours = meter.stop()
        busy = machine.stop()
    cpu = {**ours, "other processes": max(0.0, busy - sum(ours.values())), "whole machine": busy}
    customers = [p.customer_id for p in alerts]
    deadline = max(timeline.sent.values(), default=0.0) + ARRIVAL_SECONDS
    missing = await _until_arrived(receiver, customers, deadline)
    latencies = [
        arrived - timeline.sent[c]
        for c in customers
        if (arrived := receiver.arrived(c, ALERT_RULE)) is not None
    ]
    return Measured(
        customers, timeline, latencies, missing, posted, loaded, len(ordinary), cpu, flame
    )


async def alert_latency(bench: Bench) -> list[Row]:
    ingest = await bench.service("ingest")
    scoring = await scoring_service(bench)
    alerts = await alerts_service(bench)
    workload = AlertWorkload(bench.run_id)
    pids = {"ingest": ingest.pid, "scoring": scoring.pid, "alerts": alerts.pid}
    meter = CpuMeter(service_groups(pids, bench.database.data_dir, broker=True))
    async with receiving() as receiver, ingest.session(connections=CONNECTIONS) as session:
        endpoint_id, secret = await _subscribe(alerts, receiver.url)
        receiver.trust(secret)
        await _warm_up(session, receiver, workload)
        since = await end_positions(bench.settings, [MOMENTS.name, ALERTS.name])
        measured = await _measure(
            session, receiver, workload, meter, MachineCpu(), alerts.pid, bench.out_dir
        )
        hops = await _hops(bench, measured, receiver, since, endpoint_id)
    _print(measured, receiver, hops)
    return _rows(measured, receiver, hops)


# The hops of one alert, each from the end of the one before; names as in the results.
HOPS = ("ingest 202", "scoring", "rules", "fan-out", "worker claim", "send")


async def _hops(
    bench: Bench,
    measured: Measured,
    receiver: WebhookReceiver,
    since: dict[TopicPartition, int],
    endpoint_id: uuid.UUID,
) -> dict[str, list[float]]:
    """Seconds spent in each of :data:`HOPS` by the alerts that arrived: record timestamps
    on cx.moments and cx.alerts, the delivery's row and first attempt in the database."""
    keys = set(measured.customers)
    stamps = await first_timestamps(bench.settings, since, keys)
    async with connect(bench.database) as connection:
        rows = await connection.fetch(DELIVERY_TIMES, endpoint_id, ALERT_RULE)
    stored = {r["customer_id"]: (r["created_at"], r["attempted_at"]) for r in rows}
    to_perf = time.perf_counter() - time.time()  # wall-clock seconds to perf_counter()
    timeline = measured.timeline
    hops: dict[str, list[float]] = {name: [] for name in HOPS}
    for customer in keys:
        walls = [
            stamps[MOMENTS.name].get(customer),
            stamps[ALERTS.name].get(customer),
            *stored.get(customer, (None, None)),
        ]
        times = [
            timeline.sent.get(customer),
            timeline.accepted.get(customer),
            *(wall + to_perf if wall is not None else None for wall in walls),
            receiver.arrived(customer, ALERT_RULE),
        ]
        known = [t for t in times if t is not None]
        if len(known) < len(times):
            continue
        for name, start, end in zip(HOPS, known, known[1:], strict=False):
            hops[name].append(end - start)
    return hops


DELIVERY_TIMES = """
SELECT d.payload->'data'->>'customer_id' AS customer_id,
       extract(epoch FROM d.created_at)::float8 AS created_at,
       extract(epoch FROM min(a.attempted_at))::float8 AS attempted_at
FROM alerts.webhook_delivery AS d
LEFT JOIN alerts.webhook_attempt AS a ON a.delivery_id = d.id
WHERE d.endpoint_id = $1 AND d.event_type = 'alert.raised'
  AND d.payload->'data'->>'rule' = $2
GROUP BY d.id
"""


def _accepted(background: OpenLoopResult) -> int:
    return len(background.latencies) * BACKGROUND_BATCH


def _rate(background: OpenLoopResult) -> float:
    return _accepted(background) / background.elapsed if background.elapsed else 0.0


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}"


def _hop_summary(hops: dict[str, list[float]]) -> str:
    return ", ".join(
        f"{name} {_ms(percentile(values, 50))}/{_ms(percentile(values, 99))}"
        for name, values in hops.items()
    )


def _print(measured: Measured, receiver: WebhookReceiver, hops: dict[str, list[float]]) -> None:
    loaded, posted = measured.background, measured.alert_posts
    print(
        f"  {len(measured.latencies)} of {len(measured.customers)} alerts received "
        f"({len(measured.missing)} missing {ARRIVAL_SECONDS:.0f} s after the last POST), "
        f"{len(receiver.bad_signatures)} bad signatures, {receiver.digests} digests, "
        f"{receiver.duplicates} duplicate webhook-ids, {receiver.others} other events, "
        f"max {_ms(max(measured.latencies, default=0))} ms"
    )
    print(
        f"  background {_accepted(loaded):,} of {measured.background_sent * BACKGROUND_BATCH:,} "
        f"events accepted in {loaded.elapsed:.1f} s ({_rate(loaded):,.0f}/s), batches of "
        f"{BACKGROUND_BATCH}: {len(loaded.errors)} errors; "
        f"alert POSTs {len(posted.errors)} errors"
    )
    print(f"  by hop, p50/p99 ms ({len(hops[HOPS[0]])} alerts): {_hop_summary(hops)}")
    fifth = max(1, len(measured.latencies) // 5)
    print(
        f"  p50 of the first / last fifth of the alerts (in the order sent): "
        f"{_ms(percentile(measured.latencies[:fifth], 50))} / "
        f"{_ms(percentile(measured.latencies[-fifth:], 50))} ms (a rising figure: a backlog)"
    )
    print("  CPU cores: " + ", ".join(f"{k} {v:.2f}" for k, v in measured.cpu.items()))
    report_errors("background", loaded.errors)
    report_errors("alert POST", posted.errors)
    for failure in receiver.bad_signatures[:5]:
        print(f"  bad signature: {failure}")
    if measured.missing:
        print(f"  missing: the alerts of {', '.join(measured.missing[:5])}…")


def _rows(measured: Measured, receiver: WebhookReceiver, hops: dict[str, list[float]]) -> list[Row]:
    latencies, expected = measured.latencies, len(measured.customers)
    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    load = f"{ALERT_RATE} alerts/s + {BACKGROUND_RATE:,} events/s"
    complete = not measured.missing and not measured.alert_posts.errors
    signed = not receiver.bad_signatures
    loaded = measured.background
    background_clean = not loaded.errors and loaded.completed == measured.background_sent
    events = measured.background_sent * BACKGROUND_BATCH
    received = (
        f"{len(latencies)} of {expected}, {len(receiver.bad_signatures)} bad signatures, "
        f"{receiver.digests} digests (threshold raised: one webhook per alert)"
    )
    cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in measured.cpu.items())
    return [
        Row(
            f"alert latency p50, detractor POST → signed webhook received ({load})",
            f"{_ms(p50)} ms",
            "—",
            Verdict.INFO,
        ),
        Row(
            f"alert latency p99, detractor POST → signed webhook received ({load})",
            f"{_ms(p99)} ms",
            f"< {P99_GOAL_SECONDS:g} s over ≥ 500 alerts",
            judge(p99 < P99_GOAL_SECONDS and complete and expected >= 500),
        ),
        Row(
            "alert webhooks received, signatures checked (standardwebhooks)",
            received,
            f"all within {ARRIVAL_SECONDS:.0f} s, every signature valid",
            Verdict.PASS if complete and signed else Verdict.ERROR,
        ),
        Row(
            f"background load achieved (open loop, /v1/batch of {BACKGROUND_BATCH})",
            f"{_rate(loaded):,.0f} events/s, {_accepted(loaded):,} of {events:,} accepted",
            f"{BACKGROUND_RATE:,} events/s, no errors",
            judge(background_clean and _rate(loaded) >= 0.95 * BACKGROUND_RATE),
        ),
        Row("alert latency by hop, p50/p99 ms", _hop_summary(hops), "—", Verdict.INFO),
        Row(
            f"CPU cores used during the alert latency run (of {cpu_count()})",
            cpu,
            "—",
            Verdict.INFO,
        ),
        flame_row(measured.flame),
    ]
