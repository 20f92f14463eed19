"""The latency of a customer's experience read at 1M stored customers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp

from bench.context import (
    Bench,
)
from bench.database import COUNT_CUSTOMERS, Seeded, connect, settle
from bench.flame import Flame, flame_graph, flame_row
from bench.heap import frozen_heap
from bench.infra import Service
from bench.openloop import OpenLoopResult
from bench.processes import CpuMeter, MachineCpu, cpu_groups
from bench.report import Row, Verdict, cpu_count, judge, short_count
from bench.scoring import (
    scoring_service,
)

READ_CUSTOMERS = 1_000_000
READS = 2_000
READ_WARMUP = 200
READ_CLIENTS = 8
READ_TIMEOUT_SECONDS = 5.0
READ_P95_GOAL_MS = 10.0
READ_CPU_GOAL_MS = 1.0  # of the scoring process, per read
IDLE_SECONDS = 3.0  # scoring metered without reads: what its idle consumers cost


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
        # the seed's and the earlier sections' rows vacuumed and analysed now, not by
        # autovacuum during the timed reads
        print(f"  database settled in {await settle(connection):.1f} s (vacuum, checkpoint)")
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
    run = await _timed(bench, scoring, customers)
    result = run.result
    print(
        f"  {len(result.latencies):,} of {len(customers) - READ_WARMUP:,} reads in "
        f"{result.elapsed:.2f} s ({result.achieved_rate:,.0f}/s), {len(result.errors)} errors, "
        f"max {max(result.latencies, default=0) * 1000:.1f} ms; {stored:,} customers stored, "
        f"{with_signals:,} with signals; machine busy {run.machine:.2f} of {cpu_count()} cores "
        f"(others {max(run.machine - sum(run.cpu.values()), 0):.2f})"
    )
    for error in sorted(set(result.errors))[:5]:
        print(f"  read error: {error}")
    return [
        *_read_rows(run, stored, len(customers) - READ_WARMUP),
        *([flame_row(run.flame)] if run.flame else []),
    ]


@dataclass(frozen=True)
class ReadRun:
    """The timed reads, the CPU cores each process group used meanwhile, how busy the
    whole machine was (whoever used it), and the scoring process's flame graph."""

    result: OpenLoopResult
    cpu: dict[str, float]
    machine: float
    flame: Flame | None
    idle: float  # scoring's cores without reads (its consumers polling the broker)

    def cpu_ms_per_read(self, group: str) -> float:
        """CPU milliseconds of ``group`` per answered read: cores / (reads/s)."""
        return self._per_read(self.cpu[group])

    def _per_read(self, cores: float) -> float:
        reads = len(self.result.latencies) + len(self.result.errors)
        return cores * self.result.elapsed / reads * 1000 if reads else 0.0

    def describe_cpu(self) -> str:
        """CPU ms per read by group, with the share of scoring's that it spends idle."""
        idle = f" (idle consumers {self._per_read(self.idle):.2f} of it)"
        return ", ".join(
            f"{name} {self.cpu_ms_per_read(name):.2f}" + (idle if name == "scoring" else "")
            for name in self.cpu
        )


async def _timed(bench: Bench, scoring: Service, customers: Sequence[str]) -> ReadRun:
    """The reads after :data:`READ_WARMUP` untimed ones, profiled and metered."""
    meter = CpuMeter(cpu_groups(scoring.pid, bench.database.data_dir))
    machine = MachineCpu()
    async with scoring.session(connections=READ_CLIENTS) as session:
        await _read(session, customers[:READ_WARMUP])
        meter.start()
        await asyncio.sleep(IDLE_SECONDS)
        idle = meter.stop()["scoring"]
        with frozen_heap():
            async with flame_graph(scoring.pid, "scoring-reads", bench.out_dir) as flame:
                meter.start()
                machine.start()
                result = await _read(session, customers[READ_WARMUP:])
                cpu, busy = meter.stop(), machine.stop()
    return ReadRun(result, cpu, busy, flame, idle)


def _read_rows(run: ReadRun, stored: int, sent: int) -> list[Row]:
    result = run.result
    p50, p95 = result.percentile(50) * 1000, result.percentile(95) * 1000
    where = (
        f"GET /v1/customers/{{id}}/experience, {short_count(READ_CUSTOMERS)} customers, "
        f"{READ_CLIENTS} clients"
    )
    clean = not result.errors and len(result.latencies) == sent and stored >= READ_CUSTOMERS
    return [
        Row(f"customer read p50 ({where})", f"{p50:.1f} ms", "—", Verdict.INFO),
        Row(
            f"customer read p95 ({where})",
            f"{p95:.1f} ms ({len(result.errors)} errors)",
            f"< {READ_P95_GOAL_MS:.0f} ms at ≥ {short_count(READ_CUSTOMERS)}, no errors",
            judge(p95 < READ_P95_GOAL_MS and clean),
        ),
        Row(
            "customer read: CPU ms per read",
            run.describe_cpu(),
            f"scoring ≤ {READ_CPU_GOAL_MS:.1f} ms",
            judge(run.cpu_ms_per_read("scoring") <= READ_CPU_GOAL_MS and clean),
        ),
    ]
