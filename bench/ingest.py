"""The ingest service over HTTP: batch throughput and single-event latency."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field

import aiohttp
import httpx

from bench.context import INGEST_BATCH_RATE, INGEST_SINGLE_P99_MS, RAW_PRODUCE_RATE, Bench
from bench.flame import flame_graph, flame_row
from bench.heap import frozen_heap
from bench.openloop import OpenLoopResult, open_loop
from bench.processes import CpuMeter, cpu_row, service_groups
from bench.report import Row, Verdict, judge
from bench.workload import Workload, batch_body, event_body

BATCH_SIZE = 1_000
BATCH_CLIENTS = 4
BATCH_COUNT = 100
BATCH_RATIO_GOAL = 0.5
# Batches posted again after the timed run while py-spy samples ingest: the timed run is
# not slowed by the sampler, which shares the machine's cores.
PROFILED_BATCHES = 20

EVENT_RATE = 500
EVENT_SECONDS = 10
EVENT_WARMUP_SECONDS = 1
EVENT_P99_GOAL_MS = 10.0
EVENT_TIMEOUT_SECONDS = 5.0


@dataclass
class BatchOutcome:
    accepted: int = 0
    not_accepted: int = 0
    errors: list[str] = field(default_factory=list)


async def _post_batches(
    client: httpx.AsyncClient, bodies: Iterator[bytes], out: BatchOutcome
) -> None:
    for body in bodies:
        try:
            response = await client.post("/v1/batch", content=body)
        except httpx.HTTPError as exc:
            out.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if response.status_code != 202:
            out.errors.append(f"HTTP {response.status_code}: {response.text[:300]}")
            continue
        result = response.json()
        out.accepted += result["accepted"]
        out.not_accepted += len(result["rejected"]) + len(result["failed"])


async def post_batches(
    client: httpx.AsyncClient, bodies: Sequence[bytes], clients: int
) -> tuple[BatchOutcome, float]:
    """``clients`` concurrent posters share ``bodies``; return what they got and the seconds."""
    outcome = BatchOutcome()
    shared = iter(bodies)
    started = time.perf_counter()
    await asyncio.gather(*(_post_batches(client, shared, outcome) for _ in range(clients)))
    return outcome, time.perf_counter() - started


def report_errors(what: str, errors: Sequence[str], shown: int = 5) -> None:
    for error, count in Counter(errors).most_common(shown):
        print(f"  {what} error x{count}: {error}")


async def ingest_batch(bench: Bench) -> list[Row]:
    ingest = await bench.service("ingest")
    workload = Workload(bench.run_id, "batch")
    warmup = [batch_body(workload, BATCH_SIZE) for _ in range(BATCH_CLIENTS)]
    bodies = [batch_body(workload, BATCH_SIZE) for _ in range(BATCH_COUNT)]
    profiled = [batch_body(workload, BATCH_SIZE) for _ in range(PROFILED_BATCHES)]
    meter = CpuMeter(service_groups({"ingest": ingest.pid}, bench.database.data_dir, broker=True))
    async with ingest.client(timeout=30.0, connections=BATCH_CLIENTS) as client:
        await post_batches(client, warmup, BATCH_CLIENTS)
        with frozen_heap():
            meter.start()
            outcome, elapsed = await post_batches(client, bodies, BATCH_CLIENTS)
            cpu = meter.stop()
        async with flame_graph(ingest.pid, "ingest", bench.out_dir) as flame:
            await post_batches(client, profiled, BATCH_CLIENTS)
    rate = outcome.accepted / elapsed
    bench.measured[INGEST_BATCH_RATE] = rate
    print(
        f"  {len(bodies)} batches of {BATCH_SIZE} ({len(bodies[0]):,} bytes) in {elapsed:.2f} s: "
        f"{outcome.accepted:,} accepted, {outcome.not_accepted} not, {len(outcome.errors)} errors"
    )
    report_errors("batch", outcome.errors)
    rows = _batch_rows(rate, outcome, bench.measured.get(RAW_PRODUCE_RATE))
    cpu.pop("postgres", None)  # idle: ingest has no database
    return [*rows, cpu_row("ingest /v1/batch", cpu, rate), flame_row(flame)]


def _batch_rows(rate: float, outcome: BatchOutcome, raw: float | None) -> list[Row]:
    clean = not outcome.errors and outcome.not_accepted == 0
    errors = f"{len(outcome.errors)} errors, {outcome.not_accepted} items not accepted"
    measure = f"ingest /v1/batch accepted events/s ({BATCH_CLIENTS} clients)"
    if raw is None:
        return [
            Row(measure, f"{rate:,.0f} events/s ({errors})", "no raw figure", Verdict.ERROR),
            Row(f"ratio ingest / raw (goal ≥ {BATCH_RATIO_GOAL})", "n/a", "—", Verdict.ERROR),
        ]
    ratio = rate / raw
    goal = f"raw {raw:,.0f} msg/s; ≥ {BATCH_RATIO_GOAL * raw:,.0f}, no errors"
    return [
        Row(
            measure,
            f"{rate:,.0f} events/s ({errors})",
            goal,
            judge(ratio >= BATCH_RATIO_GOAL and clean),
        ),
        Row(
            f"ratio ingest / raw (goal ≥ {BATCH_RATIO_GOAL})",
            f"{ratio:.2f}",
            f"≥ {BATCH_RATIO_GOAL}",
            judge(ratio >= BATCH_RATIO_GOAL),
        ),
    ]


async def post_event(session: aiohttp.ClientSession, path: str, body: bytes) -> str | None:
    """POST one event to ingest; None when it answered 202, else what went wrong."""
    try:
        async with (
            asyncio.timeout(EVENT_TIMEOUT_SECONDS),
            session.post(path, data=body) as response,
        ):
            answer = await response.read()
    except TimeoutError:
        return f"no answer within {EVENT_TIMEOUT_SECONDS:.0f} s"
    except aiohttp.ClientError as exc:
        return f"{type(exc).__name__}: {exc}"
    if response.status != 202:
        return f"HTTP {response.status}: {answer[:300].decode(errors='replace')}"
    return None


def _single_poster(
    session: aiohttp.ClientSession,
) -> Callable[[bytes], Awaitable[str | None]]:
    async def post(body: bytes) -> str | None:
        return await post_event(session, "/v1/interactions", body)

    return post


async def ingest_latency(bench: Bench) -> list[Row]:
    ingest = await bench.service("ingest")
    workload = Workload(bench.run_id, "single")
    warmup = [event_body(workload) for _ in range(EVENT_RATE * EVENT_WARMUP_SECONDS)]
    bodies = [event_body(workload) for _ in range(EVENT_RATE * EVENT_SECONDS)]
    async with ingest.session(connections=64) as session:
        post = _single_poster(session)
        await open_loop(post, warmup, EVENT_RATE, drain_timeout=10.0)
        with frozen_heap():
            result = await open_loop(post, bodies, EVENT_RATE, drain_timeout=10.0)
    print(
        f"  {result.completed:,} of {len(bodies):,} requests in {result.elapsed:.2f} s "
        f"({result.achieved_rate:,.0f}/s), {len(result.errors)} errors, "
        f"max {max(result.latencies, default=0) * 1000:.1f} ms"
    )
    report_errors("single-event", result.errors)
    bench.measured[INGEST_SINGLE_P99_MS] = result.percentile(99) * 1000
    return _latency_rows(result, len(bodies))


def _latency_rows(result: OpenLoopResult, sent: int) -> list[Row]:
    p50, p99 = result.percentile(50) * 1000, result.percentile(99) * 1000
    load = f"@ {EVENT_RATE} req/s open loop"
    clean = not result.errors and result.completed == sent
    achieved = f"{result.achieved_rate:,.0f} req/s, {len(result.errors)} errors of {sent:,}"
    return [
        Row(f"single-event p50 {load}", f"{p50:.1f} ms", "—", Verdict.INFO),
        Row(
            f"single-event p99 {load}",
            f"{p99:.1f} ms",
            f"< {EVENT_P99_GOAL_MS:.0f} ms",
            judge(p99 < EVENT_P99_GOAL_MS and clean),
        ),
        Row(
            "single-event load achieved",
            achieved,
            f"{EVENT_RATE} req/s, no errors",
            judge(clean and result.achieved_rate >= 0.95 * EVENT_RATE),
        ),
    ]
