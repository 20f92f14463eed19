"""The contact policy over HTTP: decisions per second over many distinct customers.

The mix: the retailer map's touchpoints (checkout sampled at 50 %, delivery at 30 %, the
others at 100 %), customers mostly seen for the first time and some asked about again
(held by the 30-day interval or a cool-down), a share of requests at night in Paris
(quiet hours), all dated over one week so the persona quotas do not swallow the rest.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp

from bench.context import Bench
from bench.heap import frozen_heap
from bench.infra import Service
from bench.processes import CpuMeter, cpu_groups
from bench.report import Row, Verdict, cpu_count, judge
from bench.signals import JOURNEY_MAP, publish_journey_map

GOAL = 2_000  # decisions/s
CLIENTS = 32
WARMUP = 1_000
DECISIONS = 10_000
REPEAT_SHARE = 0.2  # requests about a customer asked about before
NIGHT_SHARE = 0.1  # requests dated inside quiet hours
TIMEOUT_SECONDS = 10.0
MAP_WAIT_SECONDS = 30.0


@dataclass
class Outcome:
    reasons: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def decision_bodies(run_id: str, stream: str, count: int) -> list[bytes]:
    """``count`` requests of the mix, over customers of this run and stream."""
    rng = random.Random(f"{run_id}-{stream}")
    touchpoints = [(t["id"], t["channels"][0]) for t in JOURNEY_MAP["touchpoints"]]
    week = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    seen: list[str] = []
    bodies = []
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
        body = {"customer_id": customer, "touchpoint": touchpoint, "channel": channel,
                "at": at.isoformat()}  # fmt: skip
        bodies.append(json.dumps(body).encode())
    return bodies


async def _post(session: aiohttp.ClientSession, bodies: Iterator[bytes], out: Outcome) -> None:
    for body in bodies:
        try:
            async with (
                asyncio.timeout(TIMEOUT_SECONDS),
                session.post("/v1/contact-policy/decide", data=body) as response,
            ):
                answer = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            out.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if response.status != 200:
            out.errors.append(f"HTTP {response.status}: {answer[:200].decode(errors='replace')}")
            continue
        out.reasons[json.loads(answer)["reason"]] += 1


async def post_all(service: Service, bodies: Sequence[bytes]) -> tuple[Outcome, float]:
    outcome = Outcome()
    shared = iter(bodies)
    async with service.session(connections=CLIENTS) as session:
        started = time.perf_counter()
        await asyncio.gather(*(_post(session, shared, outcome) for _ in range(CLIENTS)))
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


async def policy_decisions(bench: Bench) -> list[Row]:
    await publish_journey_map(bench.settings)
    actions = await bench.service("actions")
    await _wait_for_map(actions)
    warmup = decision_bodies(bench.run_id, "warmup", WARMUP)
    bodies = decision_bodies(bench.run_id, "timed", DECISIONS)
    await post_all(actions, warmup)
    meter = CpuMeter(cpu_groups(actions.pid, bench.database.data_dir, "actions"))
    with frozen_heap():
        meter.start()
        outcome, elapsed = await post_all(actions, bodies)
        cpu = meter.stop()
    rate = sum(outcome.reasons.values()) / elapsed
    mix = ", ".join(f"{reason} {n:,}" for reason, n in outcome.reasons.most_common())
    print(f"  {len(bodies):,} decisions in {elapsed:.2f} s: {rate:,.0f}/s; {mix}; "
          f"{len(outcome.errors)} errors")  # fmt: skip
    for error, count in Counter(outcome.errors).most_common(5):
        print(f"  error x{count}: {error}")
    return _rows(rate, outcome, cpu)


def _rows(rate: float, outcome: Outcome, cpu: dict[str, float]) -> list[Row]:
    total = sum(outcome.reasons.values())
    allowed = outcome.reasons["allowed"] / total if total else 0.0
    measure = f"contact policy decide, decisions/s ({CLIENTS} clients, distinct customers)"
    value = f"{rate:,.0f}/s ({len(outcome.errors)} errors, {allowed:.0%} allowed)"
    usage = ", ".join(f"{name} {cores:.2f}" for name, cores in cpu.items())
    return [
        Row(measure, value, f"≥ {GOAL:,}/s, no errors", judge(rate >= GOAL and not outcome.errors)),
        Row(f"CPU cores used during decide (of {cpu_count()})", usage, "—", Verdict.INFO),
    ]
