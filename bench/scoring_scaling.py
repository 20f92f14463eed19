"""Scoring across processes: the end-to-end workload through several scoring processes of
one consumer group (as production scales it), beside the one-process run and the raw
upsert rate of the same bench run."""

from __future__ import annotations

from bench.context import RAW_UPSERT_RATE, SCORING_CPU_PER_EVENT, SCORING_RATE, Bench
from bench.report import Row, Verdict, cpu_count, judge
from bench.scoring import (
    E2E_CUSTOMERS,
    RATIO_GOAL,
    SCALING_PROCESSES,
    Progress,
    backlog_through_scoring,
    consumers_per_process,
    e2e_customer,
    scoring_labels,
)
from bench.signals import SignalWorkload


async def scoring_scaling(bench: Bench) -> list[Row]:
    """The end-to-end run again, on new customers (as many, so as many inserts), with
    :data:`SCALING_PROCESSES` scoring processes; each process stopped afterwards."""
    await bench.stop("scoring")  # the backlog must be there before it starts
    customers = [f"{e2e_customer(bench.run_id, i)}-p" for i in range(E2E_CUSTOMERS)]
    pick = lambda rng: rng.choice(customers)  # noqa: E731
    workload = SignalWorkload(bench.run_id, f"e2e-{SCALING_PROCESSES}p", pick)
    try:
        run = await backlog_through_scoring(bench, workload, SCALING_PROCESSES)
    finally:
        for label in scoring_labels(SCALING_PROCESSES):
            await bench.stop(label)
    rate, raw = run.progress.rate, bench.measured.get(RAW_UPSERT_RATE)
    one = bench.measured.get(SCORING_RATE)
    consumers = consumers_per_process(SCALING_PROCESSES)
    measure = (
        f"scoring end-to-end events/s, {SCALING_PROCESSES} processes in the group "
        f"({consumers} consumer{'s' if consumers > 1 else ''} each)"
    )
    value = f"{rate:,.0f} events/s" + (f" (×{rate / one:.2f} of 1 process)" if one else "")
    value += "" if run.complete else ", offsets not committed"
    usage = _usage(run.progress, bench.measured.get(SCORING_CPU_PER_EVENT))
    if raw is None:
        return [Row(measure, value, "no raw figure", Verdict.ERROR), usage]
    ratio = rate / raw
    goal = f"raw {raw:,.0f} rows/s; ≥ {RATIO_GOAL * raw:,.0f}"
    return [
        Row(measure, value, goal, judge(ratio >= RATIO_GOAL and run.complete)),
        Row(
            f"ratio scoring ({SCALING_PROCESSES} processes) / raw upsert (goal ≥ {RATIO_GOAL})",
            f"{ratio:.2f}",
            f"≥ {RATIO_GOAL}",
            judge(ratio >= RATIO_GOAL),
        ),
        usage,
    ]


def _usage(progress: Progress, one: float | None) -> Row:
    """Cores by process, and the scoring processes' CPU per event beside one process's."""
    per_event = f"{progress.per_event('scoring') * 1e6:,.0f} µs"
    if one is not None:
        per_event += f" (1 process: {one * 1e6:,.0f} µs)"
    return Row(
        f"CPU cores used, {SCALING_PROCESSES} scoring processes (of {cpu_count()}); "
        "scoring CPU per event",
        f"{progress.usage()}; {per_event}",
        "—",
        Verdict.INFO,
    )
