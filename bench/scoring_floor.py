"""The floor under scoring's throughput, measured by :mod:`bench.floor` in a process of its
own: the end-to-end workload through scoring's runner, decoding and moment publishing
alone, beside the raw upsert rate and the end-to-end run's database CPU."""

from __future__ import annotations

import asyncio
import json
import os
import sys

from bench.context import RAW_UPSERT_RATE, SCORING_DB_CPU_PER_EVENT, Bench
from bench.report import Row, Verdict, cpu_count
from bench.scoring import E2E_CUSTOMERS, E2E_EVENTS, e2e_customer, produce_workload
from bench.signals import SignalWorkload
from shared.events.topics import Topic
from shared.kafka.admin import ensure_topics

FLOOR_TIMEOUT_SECONDS = 300.0


async def scoring_floor(bench: Bench) -> list[Row]:
    """The end-to-end workload through :mod:`bench.floor` (scoring's runner, decoding and
    moment publishing, nothing else) from a topic of its own, in a process of its own."""
    topic = Topic(f"bench.floor-{bench.run_id}")
    await ensure_topics(bench.settings, (topic,))
    customers = [e2e_customer(bench.run_id, i) for i in range(E2E_CUSTOMERS)]
    workload = SignalWorkload(bench.run_id, "floor", lambda rng: rng.choice(customers))
    await produce_workload(bench, workload, E2E_EVENTS, topic.name)
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
