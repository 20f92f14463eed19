"""Runs the sections in order, each within its time budget, and reports one table."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

import uvloop

from bench.alerts import alert_latency
from bench.console import console_pages
from bench.context import Bench
from bench.database import connect
from bench.infra import Postgres, kafka, postgres
from bench.ingest import ingest_batch, ingest_latency
from bench.ingest_scaling import ingest_scaling
from bench.policy import policy_decisions
from bench.produce import raw_produce
from bench.report import Row, Verdict, markdown_table, write_results
from bench.scoring import scoring_end_to_end, scoring_with_verbatims
from bench.scoring_floor import scoring_floor
from bench.scoring_memory import scoring_memory
from bench.scoring_reads import customer_reads
from bench.scoring_scaling import scoring_scaling
from bench.survey_page import survey_page
from bench.upsert import raw_upsert
from bench.verbatims import verbatim_analysis

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
OUT_DIR = HERE / "out"


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[Bench], Awaitable[list[Row]]]
    budget_seconds: float


# Later sections compare with a raw limit measured by an earlier one (see Bench.measured).
SECTIONS: tuple[Section, ...] = (
    Section("raw produce", raw_produce, 45),
    Section("ingest batch", ingest_batch, 90),
    Section("ingest batch, 2 processes", ingest_scaling, 60),
    Section("ingest single-event latency", ingest_latency, 40),
    Section("hosted survey page", survey_page, 300),
    Section("raw batched upsert", raw_upsert, 30),
    Section("scoring end-to-end", scoring_end_to_end, 120),
    Section("scoring end-to-end, 2 processes", scoring_scaling, 120),
    Section("scoring end-to-end with verbatims", scoring_with_verbatims, 200),
    Section("scoring floor", scoring_floor, 90),
    Section("scoring memory at 100k and 1M customers", scoring_memory, 90),
    Section("customer read latency at 1M customers", customer_reads, 45),
    Section("console pages at 1M customers and 100k tasks", console_pages, 420),
    Section("end-to-end alert latency", alert_latency, 150),
    Section("contact policy decisions", policy_decisions, 150),
    Section("verbatim analysis", verbatim_analysis, 60),
)


async def run_section(bench: Bench, section: Section) -> list[Row]:
    """The section's rows, or one error row when it fails or overruns its budget."""
    print(f"{section.name} ...", flush=True)
    started = time.perf_counter()
    try:
        rows = await asyncio.wait_for(section.run(bench), section.budget_seconds)
    except TimeoutError:
        reason = f"over its {section.budget_seconds:.0f} s budget"
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
    else:
        print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)
        return rows
    print(f"  failed: {reason}", file=sys.stderr, flush=True)
    summary = reason.splitlines()[0][:80] if reason else "failed"
    return [Row(section.name, f"error: {summary}", "—", Verdict.ERROR)]


async def run(sections: Sequence[Section], *, partial: bool = False) -> int:
    """Run ``sections``; write the results file unless ``partial`` (some sections only)."""
    current = asyncio.current_task()
    assert current is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, current.cancel)
    OUT_DIR.mkdir(exist_ok=True)
    rows: list[Row] = []
    async with AsyncExitStack() as stack:
        broker = await stack.enter_async_context(kafka(OUT_DIR / "broker.log"))
        database = await stack.enter_async_context(postgres(OUT_DIR / "postgres"))
        described = await describe(database)
        bench = Bench(broker, database, OUT_DIR, stack)
        for section in sections:
            rows += await run_section(bench, section)
    table = markdown_table(rows)
    print(f"\n{table}\n")
    if partial:
        print(f"some sections only: {RESULTS} left as it was")
    else:
        write_results(RESULTS, table, broker.description, described)
        print(f"written to {RESULTS}")
    return 1 if any(row.verdict is Verdict.ERROR for row in rows) else 0


async def describe(database: Postgres) -> str:
    async with connect(database) as connection:
        version = await connection.fetchval("SHOW server_version")
        buffers = await connection.fetchval("SHOW shared_buffers")
    return f"{database.description}, PostgreSQL {version}, shared_buffers {buffers}"


def chosen(only: Sequence[str]) -> list[Section]:
    """The sections whose name contains one of ``only`` (any case); all when it is empty.

    :raises SystemExit: one of ``only`` names no section.
    """
    if not only:
        return list(SECTIONS)
    for word in only:
        if not any(word.lower() in section.name for section in SECTIONS):
            names = "; ".join(section.name for section in SECTIONS)
            raise SystemExit(f"no section named like {word!r}; the sections: {names}")
    return [s for s in SECTIONS if any(word.lower() in s.name for word in only)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="WORD",
        help="run only the sections whose name contains WORD (repeatable); "
        "bench/results.md is then left as it was",
    )
    args = parser.parse_args(argv)
    sections = chosen(args.only)
    try:
        return uvloop.run(run(sections, partial=len(sections) < len(SECTIONS)))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("interrupted", file=sys.stderr)
        return 130
