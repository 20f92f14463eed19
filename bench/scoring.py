"""The scoring service: end-to-end throughput beside the raw upsert rate, its memory as the
stored customers grow to 1M, and the latency of a customer read at 1M customers."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bench.consumers import MomentCounter, lagging, skip_to_end
from bench.context import (
    RAW_UPSERT_RATE,
    SCORING_DB_CPU_PER_EVENT,
    SCORING_RATE,
    SCORING_RSS_AFTER_RUN,
    Bench,
)
from bench.database import COUNT_CUSTOMERS, COUNT_SIGNALS_LIKE, Seeded, connect, like_prefix
from bench.infra import Service
from bench.openloop import OpenLoopResult
from bench.processes import MB, CpuMeter, cpu_groups, rss
from bench.report import Row, Verdict, cpu_count, judge
from bench.signals import SignalWorkload, kafka_records, produce, publish_journey_map
from shared.events.topics import CUSTOMERS, INTERACTIONS, SURVEY_RESPONSES, Topic
from shared.kafka.admin import ensure_topics
from shared.kafka.producer import create_producer

SCORING_GROUP = "scoring"  # services/scoring/consumers.py
INPUT_TOPICS = (INTERACTIONS.name, SURVEY_RESPONSES.name, CUSTOMERS.name)

E2E_EVENTS = 50_000
E2E_CUSTOMERS = 10_000
RATIO_GOAL = 0.25
POLL_SECONDS = 0.1
STALL_SECONDS = 30.0
COMMIT_WAIT_SECONDS = 10.0

MEMORY_STEPS = (100_000, 1_000_000)
PUSH_EVENTS = 20_000
FLAT_GOAL = 1.2  # RSS at 1M customers within +20% of RSS at 100k

READ_CUSTOMERS = 1_000_000
READS = 2_000
READ_WARMUP = 200
READ_CLIENTS = 8
READ_TIMEOUT_SECONDS = 5.0
READ_P95_GOAL_MS = 50.0


@dataclass(frozen=True)
class Progress:
    """How a backlog went through scoring, timed from its first committed signal row."""

    events: int
    first_count: int  # signal rows already there at the first sighting
    elapsed: float  # from the first sighting to the last signal row and moment
    peak_rss: int
    cpu: dict[str, float]  # cores used meanwhile, by process group

    @property
    def rate(self) -> float:
        return (self.events - self.first_count) / self.elapsed

    def describe(self) -> str:
        cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in self.cpu.items())
        return (
            f"{self.events:,} events: {self.rate:,.0f}/s over {self.elapsed:.2f} s "
            f"(timed from the first {self.first_count:,} committed); CPU cores: {cpu}"
        )


def _e2e_customer(run_id: str, index: int) -> str:
    return f"bench-{run_id}-customer-{index:05d}"


async def scoring_service(bench: Bench) -> Service:
    """The scoring service; when no earlier section started it: the journey map published,
    the group moved past what the ingest sections put on the topics, then started."""
    if not bench.running("scoring"):
        await publish_journey_map(bench.settings)
        await skip_to_end(bench.settings, SCORING_GROUP, INPUT_TOPICS)
    return await bench.service("scoring")


async def _until_processed(
    bench: Bench,
    connection: Any,
    scoring: Service,
    workload: SignalWorkload,
    events: int,
    moments: MomentCounter,
) -> Progress:
    """Poll until the workload's ``events`` signal rows are stored and every valued one's
    moment is on ``cx.moments``.

    :raises RuntimeError: nothing moved for :data:`STALL_SECONDS`.
    """
    meter = CpuMeter(cpu_groups(scoring.pid, bench.database.data_dir))
    first: tuple[float, int] | None = None
    done_at: float | None = None
    peak = 0
    last = (-1, -1)
    last_change = time.perf_counter()
    pattern = like_prefix(workload.prefix)
    while True:
        count = int(await connection.fetchval(COUNT_SIGNALS_LIKE, pattern))
        now = time.perf_counter()
        peak = max(peak, rss(scoring.pid))
        if first is None and count > 0:
            first = (now, count)
            meter.start()
        if done_at is None and count >= events:
            done_at = now
        if first is not None and done_at is not None and moments.count >= workload.valued:
            cpu = meter.stop()
            elapsed = max(done_at, moments.last_at) - first[0]
            return Progress(events, first[1], elapsed, peak, cpu)
        if (count, moments.count) != last:
            last, last_change = (count, moments.count), now
        elif now - last_change > STALL_SECONDS:
            raise RuntimeError(
                f"scoring stalled at {count:,} of {events:,} signals and {moments.count:,} of "
                f"{workload.valued:,} moments; see bench/out/scoring.log"
            )
        await asyncio.sleep(POLL_SECONDS)


async def _produce(
    bench: Bench, workload: SignalWorkload, count: int, topic: str | None = None
) -> dict[Any, int]:
    """``count`` events of ``workload`` on their topics, or all on ``topic``."""
    records = kafka_records(workload.events(count))
    if topic is not None:
        records = [(topic, record) for _, record in records]
    producer = create_producer(bench.settings)
    await producer.start()
    try:
        return await produce(producer, records)
    finally:
        await producer.stop()


async def scoring_end_to_end(bench: Bench) -> list[Row]:
    if bench.running("scoring"):
        raise RuntimeError("scoring is already running: the backlog must be there before")
    customers = [_e2e_customer(bench.run_id, i) for i in range(E2E_CUSTOMERS)]
    workload = SignalWorkload(bench.run_id, "e2e", lambda rng: rng.choice(customers))
    await publish_journey_map(bench.settings)
    skipped = await skip_to_end(bench.settings, SCORING_GROUP, INPUT_TOPICS)
    ends = await _produce(bench, workload, E2E_EVENTS)
    print(
        f"  {E2E_EVENTS:,} events ({workload.valued:,} with a valence) over "
        f"{E2E_CUSTOMERS:,} customers on the topics; group {SCORING_GROUP!r} moved past "
        f"the earlier sections' records ({skipped:,} read beyond the reported end offsets)"
    )
    async with (
        connect(bench.database) as connection,
        MomentCounter(bench.settings, workload.prefix) as moments,
    ):
        started = time.perf_counter()
        scoring = await bench.service("scoring")
        print(
            f"  scoring ready in {time.perf_counter() - started:.1f} s, "
            f"RSS {rss(scoring.pid) / MB:,.0f} MB"
        )
        progress = await _until_processed(bench, connection, scoring, workload, E2E_EVENTS, moments)
        short = await lagging(bench.settings, SCORING_GROUP, ends, COMMIT_WAIT_SECONDS)
        unmapped = await connection.fetchval(
            "SELECT count(*) FROM scoring.signal WHERE event_id LIKE $1 "
            "AND touchpoint IS NOT NULL AND NOT known_touchpoint",
            like_prefix(workload.prefix),
        )
    after = rss(scoring.pid)
    bench.measured[SCORING_RATE] = progress.rate
    if "postgres" in progress.cpu:
        timed = progress.events - progress.first_count
        bench.measured[SCORING_DB_CPU_PER_EVENT] = (
            progress.cpu["postgres"] * progress.elapsed / timed
        )
    bench.measured[SCORING_RSS_AFTER_RUN] = after
    print(f"  {progress.describe()}")
    print(
        f"  {moments.count:,} moments, offsets "
        f"{'committed' if not short else f'NOT committed on {len(short)} partitions'}, "
        f"{unmapped:,} signals scored before the journey map arrived; "
        f"RSS {after / MB:,.0f} MB (peak {progress.peak_rss / MB:,.0f} MB)"
    )
    return _e2e_rows(progress, bench.measured.get(RAW_UPSERT_RATE), complete=not short)


def _e2e_rows(progress: Progress, raw: float | None, complete: bool) -> list[Row]:
    rate = progress.rate
    measure = "scoring end-to-end events/s (consumed, state committed, moments emitted)"
    value = f"{rate:,.0f} events/s (1 process)" + ("" if complete else ", offsets not committed")
    cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in progress.cpu.items())
    usage = Row(
        f"CPU cores used during scoring end-to-end (of {cpu_count()})", cpu, "—", Verdict.INFO
    )
    title = f"ratio scoring / raw upsert (goal ≥ {RATIO_GOAL})"
    if raw is None:
        return [
            Row(measure, value, "no raw figure", Verdict.ERROR),
            Row(title, "n/a", "—", Verdict.ERROR),
            usage,
        ]
    ratio = rate / raw
    goal = f"raw {raw:,.0f} rows/s; ≥ {RATIO_GOAL * raw:,.0f}"
    return [
        Row(measure, value, goal, judge(ratio >= RATIO_GOAL and complete)),
        Row(title, f"{ratio:.2f}", f"≥ {RATIO_GOAL}", judge(ratio >= RATIO_GOAL)),
        usage,
    ]


def _population(run_id: str, seeded: Seeded) -> Callable[[random.Random], str]:
    """A customer drawn uniformly from the end-to-end ones and the seeded ones."""

    def pick(rng: random.Random) -> str:
        index = rng.randrange(E2E_CUSTOMERS + seeded.count)
        if index < E2E_CUSTOMERS:
            return _e2e_customer(run_id, index)
        return seeded.customer_id(index - E2E_CUSTOMERS)

    return pick


@dataclass(frozen=True)
class MemoryStep:
    customers: int
    rss: int
    progress: Progress


async def scoring_memory(bench: Bench) -> list[Row]:
    scoring = await scoring_service(bench)
    seeded = Seeded(bench.run_id)
    steps: list[MemoryStep] = []
    seed_seconds = 0.0
    seeded_rows = 0
    async with connect(bench.database) as connection:
        for total in MEMORY_STEPS:
            added, seconds = await seeded.fill(connection, total)
            seeded_rows, seed_seconds = added, seconds
            if added:
                print(f"  seeded {added:,} customers in {seconds:.1f} s ({added / seconds:,.0f}/s)")
            workload = SignalWorkload(
                bench.run_id, f"memory{total}", _population(bench.run_id, seeded)
            )
            async with MomentCounter(bench.settings, workload.prefix) as moments:
                await _produce(bench, workload, PUSH_EVENTS)
                progress = await _until_processed(
                    bench, connection, scoring, workload, PUSH_EVENTS, moments
                )
            step = MemoryStep(
                int(await connection.fetchval(COUNT_CUSTOMERS)), rss(scoring.pid), progress
            )
            steps.append(step)
            print(
                f"  at {step.customers:,} customers: RSS {step.rss / MB:,.0f} MB "
                f"(peak {progress.peak_rss / MB:,.0f} MB); {progress.describe()}"
            )
    return _memory_rows(bench.measured.get(SCORING_RSS_AFTER_RUN), steps, seeded_rows, seed_seconds)


def _memory_rows(
    after_run: float | None, steps: Sequence[MemoryStep], seeded: int, seed_seconds: float
) -> list[Row]:
    small, large = steps[0], steps[-1]
    after = f"{after_run / MB:,.0f}" if after_run else "n/a"
    figures = " / ".join([after, *(f"{s.rss / MB:,.0f}" for s in steps)])
    growth = large.rss / small.rss - 1
    labels = " / ".join(_short(total) for total in MEMORY_STEPS)
    flat = large.rss <= FLAT_GOAL * small.rss and large.customers >= MEMORY_STEPS[-1]
    return [
        Row(
            f"scoring RSS after e2e / at {labels} customers",
            f"{figures} MB ({growth:+.0%})",
            f"flat: ≤ +{FLAT_GOAL - 1:.0%} from {_short(MEMORY_STEPS[0])} to "
            f"{_short(MEMORY_STEPS[-1])}",
            judge(flat),
        ),
        Row(
            f"scoring events/s at {labels} customers ({PUSH_EVENTS:,} events each)",
            " / ".join(f"{s.progress.rate:,.0f}" for s in steps),
            "—",
            Verdict.INFO,
        ),
        Row(
            f"seed of scoring.customer to {_short(MEMORY_STEPS[-1])} (INSERT … generate_series)",
            f"{seeded:,} rows in {seed_seconds:.1f} s",
            "—",
            Verdict.INFO,
        ),
    ]


def _short(customers: int) -> str:
    if customers >= 1_000_000 and customers % 1_000_000 == 0:
        return f"{customers // 1_000_000}M"
    if customers >= 1_000 and customers % 1_000 == 0:
        return f"{customers // 1_000}k"
    return f"{customers:,}"


async def _read_all(
    session: aiohttp.ClientSession, customers: Iterator[str], result: OpenLoopResult
) -> None:
    for customer_id in customers:
        started = time.perf_counter()
        try:
            async with (
                asyncio.timeout(READ_TIMEOUT_SECONDS),
                session.get(f"/v1/customers/{quote(customer_id, safe='')}/experience") as answer,
            ):
                body = await answer.read()
        except TimeoutError:
            result.errors.append(f"no answer within {READ_TIMEOUT_SECONDS:.0f} s")
            continue
        except aiohttp.ClientError as exc:
            result.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if answer.status != 200:
            result.errors.append(f"HTTP {answer.status}: {body[:300].decode(errors='replace')}")
            continue
        result.latencies.append(time.perf_counter() - started)


async def _read(session: aiohttp.ClientSession, customers: Sequence[str]) -> OpenLoopResult:
    """Closed loop: :data:`READ_CLIENTS` readers share ``customers``."""
    result = OpenLoopResult([], [], 0.0)
    shared = iter(customers)
    started = time.perf_counter()
    await asyncio.gather(*(_read_all(session, shared, result) for _ in range(READ_CLIENTS)))
    return OpenLoopResult(result.latencies, result.errors, time.perf_counter() - started)


async def customer_reads(bench: Bench) -> list[Row]:
    scoring = await scoring_service(bench)
    async with connect(bench.database) as connection:
        added, seconds = await Seeded(bench.run_id).fill(connection, READ_CUSTOMERS)
        if added:
            print(f"  seeded {added:,} customers in {seconds:.1f} s")
        stored = int(await connection.fetchval(COUNT_CUSTOMERS))
        rows = await connection.fetch(
            "SELECT customer_id FROM scoring.signal GROUP BY customer_id "
            "ORDER BY random() LIMIT $1",
            READ_WARMUP + READS,
        )
        with_signals = int(
            await connection.fetchval("SELECT count(DISTINCT customer_id) FROM scoring.signal")
        )
    customers = [row["customer_id"] for row in rows]
    async with scoring.session(connections=READ_CLIENTS) as session:
        await _read(session, customers[:READ_WARMUP])
        result = await _read(session, customers[READ_WARMUP:])
    print(
        f"  {len(result.latencies):,} of {len(customers) - READ_WARMUP:,} reads in "
        f"{result.elapsed:.2f} s ({result.achieved_rate:,.0f}/s), {len(result.errors)} errors, "
        f"max {max(result.latencies, default=0) * 1000:.1f} ms; {stored:,} customers stored, "
        f"{with_signals:,} with signals"
    )
    for error in sorted(set(result.errors))[:5]:
        print(f"  read error: {error}")
    return _read_rows(result, stored, len(customers) - READ_WARMUP)


def _read_rows(result: OpenLoopResult, stored: int, sent: int) -> list[Row]:
    p50, p95 = result.percentile(50) * 1000, result.percentile(95) * 1000
    where = (
        f"GET /v1/customers/{{id}}/experience, {_short(READ_CUSTOMERS)} customers, "
        f"{READ_CLIENTS} clients"
    )
    clean = not result.errors and len(result.latencies) == sent and stored >= READ_CUSTOMERS
    return [
        Row(f"customer read p50 ({where})", f"{p50:.1f} ms", "—", Verdict.INFO),
        Row(
            f"customer read p95 ({where})",
            f"{p95:.1f} ms ({len(result.errors)} errors)",
            f"< {READ_P95_GOAL_MS:.0f} ms at ≥ {_short(READ_CUSTOMERS)}, no errors",
            judge(p95 < READ_P95_GOAL_MS and clean),
        ),
    ]


FLOOR_TIMEOUT_SECONDS = 300.0


async def scoring_floor(bench: Bench) -> list[Row]:
    """The end-to-end workload through :mod:`bench.floor` (scoring's runner, decoding and
    moment publishing, nothing else) from a topic of its own, in a process of its own."""
    topic = Topic(f"bench.floor-{bench.run_id}")
    await ensure_topics(bench.settings, (topic,))
    customers = [_e2e_customer(bench.run_id, i) for i in range(E2E_CUSTOMERS)]
    workload = SignalWorkload(bench.run_id, "floor", lambda rng: rng.choice(customers))
    await _produce(bench, workload, E2E_EVENTS, topic.name)
    command = [
        sys.executable,
        "-m",
        "bench.floor",
        "--topic",
        topic.name,
        "--group",
        f"bench-floor-{bench.run_id}",
        "--events",
        str(E2E_EVENTS),
    ]
    process = await asyncio.create_subprocess_exec(
        *command,
        env={**os.environ, **bench.service_environment()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), FLOOR_TIMEOUT_SECONDS)
    except TimeoutError:
        process.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"bench.floor failed: {err.decode()[-2000:]}")
    measured = json.loads(out.decode().strip().splitlines()[-1])
    rate = measured["events"] / measured["elapsed"]
    cpu_per_event = measured["cpu"] / measured["events"]
    print(
        f"  {measured['events']:,} events in {measured['elapsed']:.2f} s: {rate:,.0f}/s, "
        f"{cpu_per_event * 1e6:.0f} µs of CPU per event"
    )
    return _floor_rows(rate, cpu_per_event, bench.measured)


def _floor_rows(rate: float, cpu_per_event: float, measured: dict[str, float]) -> list[Row]:
    raw = measured.get(RAW_UPSERT_RATE)
    versus = f"ratio {rate / raw:.2f} of raw {raw:,.0f} rows/s" if raw else "no raw figure"
    rows = [
        Row(
            "scoring floor: its runner, decoding and moment publishing alone (1 process)",
            f"{rate:,.0f} events/s, {cpu_per_event * 1e6:.0f} µs CPU each",
            versus,
            Verdict.INFO,
        ),
    ]
    database = measured.get(SCORING_DB_CPU_PER_EVENT)
    if raw and database:
        ceiling = cpu_count() / (cpu_per_event + database)
        rows.append(
            Row(
                f"scoring ceiling on {cpu_count()} cores: floor CPU + PostgreSQL's "
                f"{database * 1e6:.0f} µs per event (end-to-end run)",
                f"{ceiling:,.0f} events/s",
                f"ratio {ceiling / raw:.2f} of raw",
                Verdict.INFO,
            )
        )
    return rows
