"""The scoring service: its end-to-end throughput beside the raw upsert rate, and what the
other scoring sections share to start it, feed it and wait for it (memory in
``scoring_memory.py``, read latency in ``scoring_reads.py``, the floor in ``scoring_floor.py``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from bench.consumers import (
    CommittedProgress,
    MomentCounter,
    group_settled,
    lagging,
    skip_to_end,
)
from bench.context import (
    RAW_UPSERT_RATE,
    SCORING_CPU_PER_EVENT,
    SCORING_DB_CPU_PER_EVENT,
    SCORING_RATE,
    SCORING_RSS_AFTER_RUN,
    Bench,
)
from bench.database import COUNT_SIGNALS_LIKE, connect, like_prefix, prefix_range, settle
from bench.flame import Flame, flame_graph, flame_row
from bench.infra import Service
from bench.processes import MB, CpuMeter, MachineCpu, rss, service_groups
from bench.report import Row, Verdict, cpu_count, judge
from bench.signals import SignalWorkload, kafka_records, produce, publish_journey_map
from services.scoring.config import ScoringSettings
from shared.events.topics import CUSTOMERS, INTERACTIONS, SURVEY_RESPONSES
from shared.kafka.producer import create_producer

SCORING_GROUP = "scoring"  # services/scoring/consumers.py
INPUT_TOPICS = (INTERACTIONS.name, SURVEY_RESPONSES.name, CUSTOMERS.name)

E2E_EVENTS = 50_000
E2E_CUSTOMERS = 10_000
VERBATIM_SHARE = 0.2  # of the survey responses, in the run with words
VERBATIM_DROP_GOAL = 0.10  # the most the words may cost of the end-to-end rate
WORDS_ORDER = (True, False, False, True)  # the runs with words (True) and without, in turn
RATIO_GOAL = 0.25
POLL_SECONDS = 0.02  # one request for the group's offsets a poll
STALL_SECONDS = 30.0
COMMIT_WAIT_SECONDS = 10.0
SCALING_PROCESSES = 2  # scoring processes of the group in the scaling run
SETTLE_SECONDS = 60.0  # for every member of the group to hold partitions


@dataclass(frozen=True)
class Progress:
    """How a backlog went through scoring, timed from the first of its records seen committed
    by the scoring group."""

    events: int
    first_count: int  # events already scored (their moments seen) at the first sighting
    elapsed: float  # from the first sighting to the last moment
    peak_rss: int
    cpu: dict[str, float]  # cores used meanwhile, by process group
    machine: float = 0.0  # cores busy on the whole machine meanwhile, whoever used them

    @property
    def rate(self) -> float:
        return (self.events - self.first_count) / self.elapsed

    def per_event(self, *groups: str) -> float:
        """CPU seconds per timed event of the process groups whose names start with one of
        ``groups`` ("scoring" counts every scoring process)."""
        cores = sum(c for name, c in self.cpu.items() if name.startswith(groups))
        return cores / self.rate

    def describe(self) -> str:
        return (
            f"{self.events:,} events: {self.rate:,.0f}/s over {self.elapsed:.2f} s "
            f"(timed from the first {self.first_count:,} scored); CPU cores: {self.usage()}"
        )

    def usage(self) -> str:
        """Cores used by process group, and by the whole machine (others included)."""
        cpu = ", ".join(f"{name} {cores:.2f}" for name, cores in self.cpu.items())
        others = max(self.machine - sum(self.cpu.values()), 0.0)
        return f"{cpu}; whole machine {self.machine:.2f} (others {others:.2f})"


def e2e_customer(run_id: str, index: int) -> str:
    return f"bench-{run_id}-customer-{index:05d}"


async def scoring_service(bench: Bench) -> Service:
    """The scoring service; when no earlier section started it: the journey map published,
    then started on a new group moved past what the ingest sections put on the topics."""
    if bench.running("scoring"):
        return await bench.service("scoring", _group_settings(bench))
    await publish_journey_map(bench.settings)
    await skip_to_end(bench.settings, await _new_group(bench), INPUT_TOPICS)
    return await bench.service("scoring", _group_settings(bench))


async def _new_group(bench: Bench) -> str:
    """A consumer group no scoring of this run used, for the next start: the embedded broker
    keeps a stopped process's members in its group for a while and refuses, meanwhile, the
    commit that moves the group past earlier records."""
    bench.scoring_starts += 1
    return _group_prefix(bench) + SCORING_GROUP


def scoring_group(bench: Bench) -> str:
    """The consumer group of the scoring processes started last."""
    return _group_prefix(bench) + SCORING_GROUP


def _group_prefix(bench: Bench) -> str:
    return f"bench-{bench.run_id}-{bench.scoring_starts}-"


def _group_settings(bench: Bench) -> dict[str, str]:
    return {"KAFKA_GROUP_PREFIX": _group_prefix(bench)}


async def until_processed(
    bench: Bench,
    connection: Any,
    scorings: Mapping[str, Service],
    workload: SignalWorkload,
    events: int,
    ends: dict[Any, int],
    committed: CommittedProgress,
    moments: MomentCounter,
    settled: asyncio.Future[None] | None = None,
) -> Progress:
    """Poll until the scoring group has committed every record of the workload's ``events``
    (``ends``, where they end on each partition); timed from the first records seen
    committed once ``settled`` is done (every member of the group holding its partitions),
    to the poll that sees the last. Then, outside the timed run, check that each of the
    workload's events has its moment on ``cx.moments`` and its signal row stored.

    Progress is read from the group's committed offsets (scoring commits a batch's offsets
    once its state is committed and its moments acknowledged), so neither the database
    measured nor the moments are read by the bench while scoring runs.

    :raises ValueError: some of the workload's events would have no moment.
    :raises RuntimeError: nothing moved for :data:`STALL_SECONDS`; or, with every offset
        committed, an event has no moment or no signal row.
    :raises TimeoutError: the group did not settle.
    """
    if workload.valued != events:
        raise ValueError(f"{events:,} events, {workload.valued:,} with a moment: not timed")
    pids = {label: scoring.pid for label, scoring in scorings.items()}
    meter = CpuMeter(service_groups(pids, bench.database.data_dir))
    machine = MachineCpu()
    first: tuple[float, int] | None = None
    peak, last, last_change = 0, -1, time.perf_counter()
    while True:
        seen, done = await committed.read(ends)
        now = time.perf_counter()
        peak = max(peak, *(rss(pid) for pid in pids.values()))
        if first is None and seen > 0 and _done(settled):
            first = (now, seen)
            meter.start()
            machine.start()
        if done and first is not None:
            cpu, busy = meter.stop(), machine.stop()
            progress = Progress(events, first[1], now - first[0], peak, cpu, busy)
            break
        if seen != last:
            last, last_change = seen, now
        elif now - last_change > STALL_SECONDS:
            raise RuntimeError(
                f"scoring stalled at {seen:,} of {events:,} records committed; "
                "see bench/out/scoring.log"
            )
        await asyncio.sleep(POLL_SECONDS)
    emitted = await moments.until(events, COMMIT_WAIT_SECONDS)
    pattern = like_prefix(workload.prefix), *prefix_range(workload.prefix)
    stored = int(await connection.fetchval(COUNT_SIGNALS_LIKE, *pattern))
    if emitted < events or stored < events:
        raise RuntimeError(
            f"every offset committed, but {emitted:,} moments and {stored:,} signal rows "
            f"for {events:,} events"
        )
    return progress


def _done(settled: asyncio.Future[None] | None) -> bool:
    """Whether ``settled`` is done (None is); its error raised."""
    if settled is None or not settled.done():
        return settled is None
    settled.result()
    return True


async def produce_workload(
    bench: Bench, workload: SignalWorkload, count: int, topic: str | None = None
) -> dict[Any, int]:
    """``count`` events of ``workload`` on their topics, or all on ``topic``."""
    records = kafka_records(workload.events(count))
    if topic is not None:
        records = [(topic, record) for _, record in records]
    producer = create_producer(bench.settings)
    await producer.start()
    try:
        return await produce(producer, records)
    finally:
        await producer.stop()


async def scoring_end_to_end(bench: Bench) -> list[Row]:
    customers = [e2e_customer(bench.run_id, i) for i in range(E2E_CUSTOMERS)]
    workload = SignalWorkload(bench.run_id, "e2e", lambda rng: rng.choice(customers))
    run = await backlog_through_scoring(bench, workload, profile=True)
    progress = run.progress
    bench.measured[SCORING_RATE] = progress.rate
    bench.measured[SCORING_CPU_PER_EVENT] = progress.per_event("scoring")
    if "postgres" in progress.cpu:
        bench.measured[SCORING_DB_CPU_PER_EVENT] = progress.per_event("postgres")
    rows = _e2e_rows(progress, bench.measured.get(RAW_UPSERT_RATE), complete=run.complete)
    return rows + ([flame_row(run.flame)] if run.flame else [])


async def scoring_with_verbatims(bench: Bench) -> list[Row]:
    """The end-to-end run with words, where :data:`VERBATIM_SHARE` of the survey responses
    carry words that scoring analyses, against the plain run, each on new customers: four
    runs in the order words, plain, plain, words, so that a load that grows or fades during
    the section weighs on both alike; the drop is that of the mean rates."""
    runs: dict[bool, list[Backlog]] = {True: [], False: []}
    for number, words in enumerate(WORDS_ORDER, start=1):
        await bench.stop("scoring")  # each backlog must be there before scoring starts
        runs[words].append(await _backlog_of_new_customers(bench, number, words))
    return _words_rows(runs[True], runs[False])


async def _backlog_of_new_customers(bench: Bench, number: int, words: bool) -> Backlog:
    kind = "words" if words else "plain"
    print(f"  run {number} of {len(WORDS_ORDER)}: {kind}")
    customers = [f"{e2e_customer(bench.run_id, i)}-{kind}{number}" for i in range(E2E_CUSTOMERS)]
    pick = lambda rng: rng.choice(customers)  # noqa: E731
    share = VERBATIM_SHARE if words else 0.0
    workload = SignalWorkload(bench.run_id, f"e2e-{kind}{number}", pick, share)
    return await backlog_through_scoring(bench, workload)


def _words_rows(words: list[Backlog], plain: list[Backlog]) -> list[Row]:
    measure = f"scoring end-to-end events/s, {VERBATIM_SHARE:.0%} of survey responses with words"
    with_words, without = _mean_rate(words), _mean_rate(plain)
    complete = all(run.complete for run in words + plain)
    drop = 1 - with_words / without
    value = (
        f"{with_words:,.0f} events/s ({drop:+.1%} drop; with words "
        f"{_rates(words)}, without {_rates(plain)}, in the order {_order()})"
        + ("" if complete else ", offsets not committed")
    )
    goal = f"drop ≤ {VERBATIM_DROP_GOAL:.0%} vs {without:,.0f}/s without words"
    cpu = (
        f"with words {_mean_per_event(words) * 1e6:,.0f} µs, "
        f"without {_mean_per_event(plain) * 1e6:,.0f} µs"
    )
    return [
        Row(measure, value, goal, judge(drop <= VERBATIM_DROP_GOAL and complete)),
        Row("scoring CPU per event, with and without words (means)", cpu, "—", Verdict.INFO),
    ]


def _mean_rate(runs: list[Backlog]) -> float:
    return sum(run.progress.rate for run in runs) / len(runs)


def _mean_per_event(runs: list[Backlog]) -> float:
    return sum(run.progress.per_event("scoring") for run in runs) / len(runs)


def _rates(runs: list[Backlog]) -> str:
    return " and ".join(f"{run.progress.rate:,.0f}" for run in runs)


def _order() -> str:
    return ", ".join("words" if words else "plain" for words in WORDS_ORDER)


@dataclass(frozen=True)
class Backlog:
    """A backlog through scoring: how it went, whether the offsets were committed, the
    flame graph of the (first) scoring process when one was asked for."""

    progress: Progress
    complete: bool
    flame: Flame | None = None


def scoring_labels(processes: int) -> list[str]:
    """How the bench knows each scoring process: "scoring", then "scoring-2", ..."""
    return ["scoring", *(f"scoring-{n}" for n in range(2, processes + 1))]


async def backlog_through_scoring(
    bench: Bench, workload: SignalWorkload, processes: int = 1, *, profile: bool = False
) -> Backlog:
    """Put :data:`E2E_EVENTS` of ``workload`` on the topics, then start ``processes``
    scoring processes in one new group and time them through the backlog once each of the
    group's members holds partitions; with ``profile``, a flame graph of the first.

    :raises RuntimeError: scoring is already running (the backlog must be there before).
    """
    if any(bench.running(label) for label in scoring_labels(processes)):
        raise RuntimeError("scoring is already running: the backlog must be there before")
    await publish_journey_map(bench.settings)
    group = await _new_group(bench)
    skipped = await skip_to_end(bench.settings, group, INPUT_TOPICS)
    ends = await produce_workload(bench, workload, E2E_EVENTS)
    print(
        f"  {E2E_EVENTS:,} events ({workload.valued:,} with a valence) over "
        f"{E2E_CUSTOMERS:,} customers on the topics; group {group!r} moved past "
        f"the earlier sections' records ({skipped:,} read beyond the reported end offsets)"
    )
    async with (
        connect(bench.database) as connection,
        CommittedProgress(bench.settings, group, INPUT_TOPICS) as committed,
        MomentCounter(bench.settings, workload.prefix) as moments,
    ):
        print(f"  database settled in {await settle(connection):.1f} s (vacuum, checkpoint)")
        scorings = await _start_scoring(bench, processes)
        members = processes * consumers_per_process(processes)
        settled = asyncio.ensure_future(
            group_settled(bench.settings, group, members, SETTLE_SECONDS)
        )
        try:
            async with _profiled(bench, scorings["scoring"], profile) as flame:
                progress = await until_processed(
                    bench,
                    connection,
                    scorings,
                    workload,
                    E2E_EVENTS,
                    ends,
                    committed,
                    moments,
                    settled,
                )
        finally:
            settled.cancel()
        short = await lagging(bench.settings, group, ends, COMMIT_WAIT_SECONDS)
        unmapped = await connection.fetchval(
            "SELECT count(*) FROM scoring.signal WHERE event_id LIKE $1 "
            "AND touchpoint IS NOT NULL AND NOT known_touchpoint",
            like_prefix(workload.prefix),
        )
    after = rss(scorings["scoring"].pid)
    bench.measured[SCORING_RSS_AFTER_RUN] = after
    print(f"  {progress.describe()}")
    print(
        f"  {moments.count:,} moments, offsets "
        f"{'committed' if not short else f'NOT committed on {len(short)} partitions'}, "
        f"{unmapped:,} signals scored before the journey map arrived; "
        f"RSS {after / MB:,.0f} MB (peak {progress.peak_rss / MB:,.0f} MB)"
    )
    return Backlog(progress, not short, flame)


def consumers_per_process(processes: int) -> int:
    """The group's consumers in each scoring process (``CONSUMER_INSTANCES``), as
    docs/operations.md advises a deployment: the service's default (2) for a single process,
    where one consumer's work overlaps the other's wait on PostgreSQL; one in each of
    several processes, a process per core, so that the members (2) divide each topic's 6
    partitions (2 × 2 members held 2, 2, 1 and 1, and cost ~12 % more CPU per event in
    alternating runs: docs/benchmarks.md)."""
    return ScoringSettings().consumer_instances if processes == 1 else 1


async def _start_scoring(bench: Bench, processes: int) -> dict[str, Service]:
    """``processes`` scoring processes on the current group, started at once, ready."""
    started = time.perf_counter()
    labels = scoring_labels(processes)
    settings = _group_settings(bench)
    if processes > 1:  # the one-process run keeps the settings the later sections start it with
        settings["CONSUMER_INSTANCES"] = str(consumers_per_process(processes))
    running = await asyncio.gather(
        *(bench.service("scoring", settings, label=label) for label in labels)
    )
    scorings = dict(zip(labels, running, strict=True))
    sizes = ", ".join(f"{rss(s.pid) / MB:,.0f}" for s in running)
    print(f"  {processes} scoring ready in {time.perf_counter() - started:.1f} s, RSS {sizes} MB")
    return scorings


def _profiled(
    bench: Bench, scoring: Service, profile: bool
) -> AbstractAsyncContextManager[Flame | None]:
    if not profile:
        return contextlib.nullcontext()
    return flame_graph(scoring.pid, "scoring", bench.out_dir)


def _e2e_rows(progress: Progress, raw: float | None, complete: bool) -> list[Row]:
    rate = progress.rate
    measure = "scoring end-to-end events/s (consumed, state committed, moments emitted)"
    value = f"{rate:,.0f} events/s (1 process)" + ("" if complete else ", offsets not committed")
    usage = Row(
        f"CPU cores used during scoring end-to-end (of {cpu_count()}); scoring CPU per event",
        f"{progress.usage()}; {progress.per_event('scoring') * 1e6:,.0f} µs",
        "—",
        Verdict.INFO,
    )
    title = f"ratio scoring / raw upsert (goal ≥ {RATIO_GOAL})"
    if raw is None:
        return [
            Row(measure, value, "no raw figure", Verdict.ERROR),
            Row(title, "n/a", "—", Verdict.ERROR),
            usage,
        ]
    ratio = rate / raw
    goal = f"raw {raw:,.0f} rows/s; ≥ {RATIO_GOAL * raw:,.0f}"
    return [
        Row(measure, value, goal, judge(ratio >= RATIO_GOAL and complete)),
        Row(title, f"{ratio:.2f}", f"≥ {RATIO_GOAL}", judge(ratio >= RATIO_GOAL)),
        usage,
    ]
