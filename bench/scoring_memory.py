"""Scoring's memory as the stored customers grow to 1M, and its throughput at each step."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.consumers import CommittedProgress, MomentCounter
from bench.context import (
    SCORING_RSS_AFTER_RUN,
    Bench,
)
from bench.database import COUNT_CUSTOMERS, Seeded, connect
from bench.processes import MB, rss
from bench.report import Row, Verdict, judge, short_count
from bench.scoring import (
    E2E_CUSTOMERS,
    INPUT_TOPICS,
    Progress,
    e2e_customer,
    produce_workload,
    scoring_group,
    scoring_service,
    until_processed,
)
from bench.signals import SignalWorkload

MEMORY_STEPS = (100_000, 1_000_000)
PUSH_EVENTS = 20_000
FLAT_GOAL = 1.2  # RSS at 1M customers within +20% of RSS at 100k


def _population(run_id: str, seeded: Seeded) -> Callable[[random.Random], str]:
    """A customer drawn uniformly from the end-to-end ones and the seeded ones."""

    def pick(rng: random.Random) -> str:
        index = rng.randrange(E2E_CUSTOMERS + seeded.count)
        if index < E2E_CUSTOMERS:
            return e2e_customer(run_id, index)
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
            async with (
                CommittedProgress(bench.settings, scoring_group(bench), INPUT_TOPICS) as committed,
                MomentCounter(bench.settings, workload.prefix) as moments,
            ):
                ends = await produce_workload(bench, workload, PUSH_EVENTS)
                progress = await until_processed(
                    bench,
                    connection,
                    {"scoring": scoring},
                    workload,
                    PUSH_EVENTS,
                    ends,
                    committed,
                    moments,
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
    labels = " / ".join(short_count(total) for total in MEMORY_STEPS)
    flat = large.rss <= FLAT_GOAL * small.rss and large.customers >= MEMORY_STEPS[-1]
    return [
        Row(
            f"scoring RSS after e2e / at {labels} customers",
            f"{figures} MB ({growth:+.0%})",
            f"flat: ≤ +{FLAT_GOAL - 1:.0%} from {short_count(MEMORY_STEPS[0])} to "
            f"{short_count(MEMORY_STEPS[-1])}",
            judge(flat),
        ),
        Row(
            f"scoring events/s at {labels} customers ({PUSH_EVENTS:,} events each)",
            " / ".join(f"{s.progress.rate:,.0f}" for s in steps),
            "—",
            Verdict.INFO,
        ),
        Row(
            f"seed of scoring.customer to {short_count(MEMORY_STEPS[-1])} "
            "(INSERT … generate_series)",
            f"{seeded:,} rows in {seed_seconds:.1f} s",
            "—",
            Verdict.INFO,
        ),
    ]
