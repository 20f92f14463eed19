"""Ingest across processes: the batch workload through two ingest processes, the clients
spread evenly over them (as production spreads requests over its replicas), beside the
one-process run and the raw produce rate of the same bench run."""

from __future__ import annotations

from bench.context import INGEST_BATCH_RATE, INGEST_CPU_PER_EVENT, RAW_PRODUCE_RATE, Bench
from bench.ingest import BATCH_CLIENTS, BatchRun, batch_rows, timed_batches
from bench.processes import cpu_row
from bench.report import Row

PROCESSES = 2


async def ingest_scaling(bench: Bench) -> list[Row]:
    """The batch run again with :data:`PROCESSES` ingest processes; the second one stopped
    afterwards (the first is the one the other ingest sections use)."""
    labels = ["ingest", *(f"ingest-{n}" for n in range(2, PROCESSES + 1))]
    try:
        ingests = {label: await bench.service("ingest", label=label) for label in labels}
        run = await timed_batches(bench, ingests, f"batch-{PROCESSES}p")
    finally:
        for label in labels[1:]:
            await bench.stop(label)
    return [
        *batch_rows(
            f"ingest /v1/batch accepted events/s ({BATCH_CLIENTS} clients, {PROCESSES} processes)",
            f"ingest ({PROCESSES} processes) / raw",
            run,
            bench.measured.get(RAW_PRODUCE_RATE),
            _versus_one(bench, run),
        ),
        cpu_row(f"ingest /v1/batch, {PROCESSES} processes", run.cpu, run.rate),
    ]


def _versus_one(bench: Bench, run: BatchRun) -> str:
    """The rate and CPU per event beside one process's, when that ran."""
    one, cpu = bench.measured.get(INGEST_BATCH_RATE), bench.measured.get(INGEST_CPU_PER_EVENT)
    if one is None or cpu is None:
        return ""
    return (
        f"; ×{run.rate / one:.2f} of 1 process; ingest CPU {run.per_event('ingest') * 1e6:,.1f} "
        f"µs per event (1 process: {cpu * 1e6:,.1f} µs)"
    )
