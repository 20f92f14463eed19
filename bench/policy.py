"""The contact policy over HTTP: decisions per second over many distinct customers, one
per request (``decide``) and in batches (``decide-batch``).

The mix: the retailer map's touchpoints (checkout sampled at 50 %, delivery at 30 %, the
others at 100 %), customers mostly seen for the first time and some asked about again
(held by the 30-day interval or a cool-down), a share of requests at night in Paris
(quiet hours), all dated over one week so the persona quotas do not swallow the rest.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bench.actions import actions_service
from bench.context import Bench
from bench.flame import Flame, flame_graph, flame_row
from bench.heap import frozen_heap
from bench.infra import Service
from bench.processes import CpuMeter, MachineCpu, cpu_groups
from bench.report import Row, Verdict, cpu_count, judge
from bench.signals import JOURNEY_MAP, publish_journey_map

GOAL = 1_500  # decisions/s, one per request (issue 15: 32 clients, distinct customers)
BATCH_GOAL = 2_000  # decisions/s in 100-decision batches
CLIENTS = 32
WARMUP = 1_000
DECISIONS = 6_000
BATCH_CLIENTS = 4
BATCH_SIZE = 100
BATCH_WARMUP = 2_000
BATCH_DECISIONS = 50_000
REPEAT_SHARE = 0.2  # requests about a customer asked about before
NIGHT_SHARE = 0.1  # requests dated inside quiet hours
TIMEOUT_SECONDS = 10.0
MAP_WAIT_SECONDS = 30.0
DECIDE = "/v1/contact-policy/decide"
DECIDE_BATCH = "/v1/contact-policy/decide-batch"


@dataclass
class Outcome:
    reasons: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def decisions(run_id: str, stream: str, count: int) -> list[dict[str, Any]]:
    """``count`` decisions of the mix, over customers of this run and stream."""
    rng = random.Random(f"{run_id}-{stream}")
    touchpoints = [(t["id"], t["channels"][0]) for t in JOURNEY_MAP["touchpoints"]]
    week = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    seen: list[str] = []
    found = []
    for i in range(count):
        if seen and rng.random() < REPEAT_SHARE:
            customer = rng.choice(seen)
        else:
            customer = f"bench-{run_id}-{stream}-{i}"
            seen.append(customer)
        touchpoint, channel = rng.choice(touchpoints)
        # 08:00-19:00 UTC is daytime in Paris; 20:00-05:00 UTC is inside its quiet hours
        hour = rng.randrange(20, 29) % 24 if rng.random() < NIGHT_SHARE else rng.randrange(7, 19)
        at = week + timedelta(days=rng.randrange(7), hours=hour, seconds=rng.randrange(3600))
        found.append(
            {
                "customer_id": customer,
                "touchpoint": touchpoint,
                "channel": channel,
                "at": at.isoformat(),
            }
        )
    return found


def decision_bodies(run_id: str, stream: str, count: int) -> list[bytes]:
    """One ``decide`` request per decision."""
    return [json.dumps(d).encode() for d in decisions(run_id, stream, count)]


def batch_bodies(run_id: str, stream: str, count: int) -> list[bytes]:
    """``decide-batch`` requests of :data:`BATCH_SIZE` decisions (a stream's repeats fall
    in the same batch or a later one)."""
    found = decisions(run_id, stream, count)
    return [
        json.dumps({"decisions": found[i : i + BATCH_SIZE]}).encode()
        for i in range(0, len(found), BATCH_SIZE)
    ]


async def _post(
    session: aiohttp.ClientSession, path: str, bodies: Iterator[bytes], out: Outcome
) -> None:
    for body in bodies:
        try:
            async with (
                asyncio.timeout(TIMEOUT_SECONDS),
                session.post(path, data=body) as response,
            ):
                answer = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            out.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if response.status != 200:
            out.errors.append(f"HTTP {response.status}: {answer[:200].decode(errors='replace')}")
            continue
        decided = json.loads(answer)
        for result in decided["results"] if path == DECIDE_BATCH else [decided]:
            out.reasons[result["reason"]] += 1


async def post_all(
    service: Service, path: str, bodies: Sequence[bytes], clients: int
) -> tuple[Outcome, float]:
    outcome = Outcome()
    shared = iter(bodies)
    async with service.session(connections=clients) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_post(session, path, shared, outcome) for _ in range(clients)))
    return outcome, time.perf_counter() - started


async def _wait_for_map(service: Service) -> None:
    """Until actions holds the journey map (simulate answers 200, not 503)."""
    body = decision_bodies("probe", "probe", 1)[0]
    deadline = time.monotonic() + MAP_WAIT_SECONDS
    async with service.session(connections=1) as session:
        while time.monotonic() < deadline:
            async with session.post("/v1/contact-policy/simulate", data=body) as response:
                if response.status == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"actions did not get the journey map in {MAP_WAIT_SECONDS:.0f} s")


@dataclass(frozen=True)
class Run:
    """One timed run: the decisions' outcome, their rate, CPU in cores per process group,
    and how busy the whole machine was (cores, whoever used them)."""

    outcome: Outcome
    rate: float
    cpu: dict[str, float]
    machine: float
    flame: Flame | None = None


# Started by the sections before, not used here; actions restarts on groups at the end of
# its topics. Left running, the alert section's services were still consuming its backlog
# and fetching when idle: 0.33 cores taken from the decisions timed (docs/benchmarks.md).
NOT_USED = ("ingest", "scoring", "alerts", "actions")


async def policy_decisions(bench: Bench) -> list[Row]:
    for name in NOT_USED:
        await bench.stop(name)
    await publish_journey_map(bench.settings)
    actions = await actions_service(bench)
    await _wait_for_map(actions)
    single = await _timed(
        bench,
        actions,
        DECIDE,
        CLIENTS,
        decision_bodies(bench.run_id, "warmup", WARMUP),
        decision_bodies(bench.run_id, "timed", DECISIONS),
        profile=True,
    )
    batched = await _timed(
        bench,
        actions,
        DECIDE_BATCH,
        BATCH_CLIENTS,
        batch_bodies(bench.run_id, "batch-warmup", BATCH_WARMUP),
        batch_bodies(bench.run_id, "batch-timed", BATCH_DECISIONS),
    )
    flame = [flame_row(single.flame)] if single.flame else []
    return [
        *_rows("decide", f"{CLIENTS} clients, distinct customers", single, GOAL),
        *flame,
        *_rows(
            "decide-batch",
            f"{BATCH_CLIENTS} clients × {BATCH_SIZE}-decision batches",
            batched,
            BATCH_GOAL,
        ),
    ]


async def _timed(
    bench: Bench,
    actions: Service,
    path: str,
    clients: int,
    warmup: Sequence[bytes],
    bodies: Sequence[bytes],
    *,
    profile: bool = False,
) -> Run:
    """``bodies`` posted by ``clients`` after ``warmup``; with ``profile``, a flame graph of
    actions meanwhile."""
    await post_all(actions, path, warmup, clients)
    meter = CpuMeter(cpu_groups(actions.pid, bench.database.data_dir, "actions"))
    machine = MachineCpu()
    load = os.getloadavg()[0]
    profiled = flame_graph(actions.pid, "actions", bench.out_dir) if profile else nullcontext()
    with frozen_heap():
        async with profiled as flame:
            meter.start()
            machine.start()
            outcome, elapsed = await post_all(actions, path, bodies, clients)
            cpu, busy = meter.stop(), machine.stop()
    rate = sum(outcome.reasons.values()) / elapsed
    mix = ", ".join(f"{reason} {n:,}" for reason, n in outcome.reasons.most_common())
    print(
        f"  {path}: {sum(outcome.reasons.values()):,} decisions in {elapsed:.2f} s: "
        f"{rate:,.0f}/s; {mix}; {len(outcome.errors)} errors; load average {load:.1f} "
        f"before, machine busy {busy:.2f} of {cpu_count()} cores"
    )
    for error, count in Counter(outcome.errors).most_common(5):
        print(f"  error x{count}: {error}")
    return Run(outcome, rate, cpu, busy, flame)


def _rows(endpoint: str, load: str, run: Run, goal: int) -> list[Row]:
    outcome, rate = run.outcome, run.rate
    total = sum(outcome.reasons.values())
    allowed = outcome.reasons["allowed"] / total if total else 0.0
    value = f"{rate:,.0f}/s ({len(outcome.errors)} errors, {allowed:.0%} allowed)"
    # cores / (decisions/s) = CPU seconds per decision
    per_decision = ", ".join(
        f"{name} {cores / rate * 1e3:.2f}" for name, cores in run.cpu.items() if rate
    )
    ours = sum(run.cpu.values())
    usage = (
        ", ".join(f"{name} {cores:.2f}" for name, cores in run.cpu.items())
        + f"; whole machine {run.machine:.2f} (others {max(run.machine - ours, 0):.2f})"
    )
    ok = rate >= goal and not outcome.errors
    return [
        Row(
            f"contact policy {endpoint}, decisions/s ({load})",
            value,
            f"≥ {goal:,}/s, no errors",
            judge(ok),
        ),
        Row(f"{endpoint}: CPU ms per decision", per_decision, "—", Verdict.INFO),
        Row(f"{endpoint}: CPU cores used (of {cpu_count()})", usage, "—", Verdict.INFO),
    ]
