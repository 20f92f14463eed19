"""The ingest service over HTTP: batch throughput and single-event latency."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field

import aiohttp
import httpx

from bench.context import (
    INGEST_BATCH_RATE,
    INGEST_CPU_PER_EVENT,
    INGEST_SINGLE_P99_MS,
    RAW_PRODUCE_RATE,
    Bench,
)
from bench.flame import Flame, flame_graph, flame_row
from bench.heap import frozen_heap
from bench.infra import Service
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
PROFILED_BATCHES = 40

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
    clients: Sequence[httpx.AsyncClient], bodies: Sequence[bytes], posters: int
) -> tuple[BatchOutcome, float]:
    """``posters`` concurrent posters share ``bodies``, spread evenly over ``clients`` (one
    per ingest process, as a load balancer would spread them); return what they got and
    the seconds."""
    outcome = BatchOutcome()
    shared = iter(bodies)
    started = time.perf_counter()
    await asyncio.gather(
        *(_post_batches(clients[i % len(clients)], shared, outcome) for i in range(posters))
    )
    return outcome, time.perf_counter() - started


def report_errors(what: str, errors: Sequence[str], shown: int = 5) -> None:
    for error, count in Counter(errors).most_common(shown):
        print(f"  {what} error x{count}: {error}")


@dataclass
class BatchRun:
    """The timed batches through one or more ingest processes, and the CPU they took."""

    outcome: BatchOutcome
    elapsed: float
    cpu: dict[str, float]  # cores by process group: each ingest, the broker, the bench
    body_bytes: int

    @property
    def rate(self) -> float:
        return self.outcome.accepted / self.elapsed

    def per_event(self, group: str) -> float:
        """CPU seconds per accepted event of the groups whose names start with ``group``."""
        return sum(c for name, c in self.cpu.items() if name.startswith(group)) / self.rate

    def describe(self) -> str:
        outcome = self.outcome
        return (
            f"{BATCH_COUNT} batches of {BATCH_SIZE} ({self.body_bytes:,} bytes) in "
            f"{self.elapsed:.2f} s: {outcome.accepted:,} accepted, {outcome.not_accepted} not, "
            f"{len(outcome.errors)} errors"
        )


async def timed_batches(bench: Bench, ingests: Mapping[str, Service], stream: str) -> BatchRun:
    """:data:`BATCH_COUNT` batches from :data:`BATCH_CLIENTS` clients spread over
    ``ingests`` (by label), after a warm-up, with the CPU of each process meanwhile."""
    workload = Workload(bench.run_id, stream)
    warmup = [batch_body(workload, BATCH_SIZE) for _ in range(BATCH_CLIENTS)]
    bodies = [batch_body(workload, BATCH_SIZE) for _ in range(BATCH_COUNT)]
    pids = {label: ingest.pid for label, ingest in ingests.items()}
    meter = CpuMeter(service_groups(pids, bench.database.data_dir, broker=True))
    connections = -(-BATCH_CLIENTS // len(ingests))
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(ingest.client(timeout=30.0, connections=connections))
            for ingest in ingests.values()
        ]
        await post_batches(clients, warmup, BATCH_CLIENTS)
        with frozen_heap():
            meter.start()
            outcome, elapsed = await post_batches(clients, bodies, BATCH_CLIENTS)
            cpu = meter.stop()
    cpu.pop("postgres", None)  # idle: ingest has no database
    run = BatchRun(outcome, elapsed, cpu, len(bodies[0]))
    print(f"  {run.describe()}")
    report_errors("batch", outcome.errors)
    return run


async def profiled_batches(bench: Bench, ingest: Service) -> Flame:
    """:data:`PROFILED_BATCHES` more batches while py-spy records ``ingest``."""
    workload = Workload(bench.run_id, "batch-profiled")
    bodies = [batch_body(workload, BATCH_SIZE) for _ in range(PROFILED_BATCHES)]
    async with (
        ingest.client(timeout=30.0, connections=BATCH_CLIENTS) as client,
        flame_graph(ingest.pid, "ingest", bench.out_dir) as flame,
    ):
        await post_batches([client], bodies, BATCH_CLIENTS)
    return flame


async def ingest_batch(bench: Bench) -> list[Row]:
    ingest = await bench.service("ingest")
    run = await timed_batches(bench, {"ingest": ingest}, "batch")
    flame = await profiled_batches(bench, ingest)
    bench.measured[INGEST_BATCH_RATE] = run.rate
    bench.measured[INGEST_CPU_PER_EVENT] = run.per_event("ingest")
    measure = f"ingest /v1/batch accepted events/s ({BATCH_CLIENTS} clients, 1 process)"
    rows = batch_rows(measure, "ingest / raw", run, bench.measured.get(RAW_PRODUCE_RATE))
    return [*rows, cpu_row("ingest /v1/batch, 1 process", run.cpu, run.rate), flame_row(flame)]


def batch_rows(
    measure: str, ratio_name: str, run: BatchRun, raw: float | None, note: str = ""
) -> list[Row]:
    """The rate of ``run`` (with ``note``) beside the raw produce rate, and their ratio,
    judged."""
    outcome, rate = run.outcome, run.rate
    clean = not outcome.errors and outcome.not_accepted == 0
    errors = f"{len(outcome.errors)} errors, {outcome.not_accepted} items not accepted{note}"
    title = f"ratio {ratio_name} (goal ≥ {BATCH_RATIO_GOAL})"
    if raw is None:
        return [
            Row(measure, f"{rate:,.0f} events/s ({errors})", "no raw figure", Verdict.ERROR),
            Row(title, "n/a", "—", Verdict.ERROR),
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
        Row(title, f"{ratio:.2f}", f"≥ {BATCH_RATIO_GOAL}", judge(ratio >= BATCH_RATIO_GOAL)),
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
