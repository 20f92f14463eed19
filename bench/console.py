"""The console's pages (a task, the task list, the committee) with 1M customers and 100k
tasks stored and :data:`USERS` people at once: the p95 of each page beside the p95 of the
API calls it makes, from the same run.

Each person signs in through the sign-in form (a session of their own), then opens pages
one after another (a closed loop: a person waits for a page before the next). The tasks are
written straight into ``actions.task`` (with their "opened" change, already published), for
the customers scoring holds: first those with signals (a timeline to chart), then seeded
ones. A task past "open" was acknowledged hours after opening, one resolved a day or two
later (about two thirds within the SLA, four in five recontacting the customer), as the
closed-loop report would find them. Tasks carry no alert ids, so the task page makes no
alerts call here. An active task already past its due time is stored as escalated as far as
it goes, as weeks of sweeps would have left it: otherwise actions would spend the whole run
escalating tens of thousands of tasks (and publishing their changes) beside the pages being
measured.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import aiohttp

from bench.actions import actions_service
from bench.alerts import alerts_service
from bench.context import Bench
from bench.database import Seeded, connect
from bench.infra import Service
from bench.openloop import percentile
from bench.processes import CpuMeter, service_groups
from bench.report import Row, Verdict, judge, short_count
from bench.scoring import scoring_service
from bench.signals import JOURNEY_MAP
from services.actions.tasks.config import TaskSettings

CUSTOMERS = 1_000_000
TASKS = 100_000
USERS = 10
WARMUP = 10  # page views per person before the timed ones
VIEWS = 20  # timed page views per person and page
P95_GOAL_MS = 300.0
COMMITTEE_DAYS = 90  # the committee page's default period
TIMEOUT_SECONDS = 10.0
STATUSES = ("open", "acknowledged", "in_progress", "resolved", "closed")
MAX_ESCALATIONS = TaskSettings().task_max_escalations
CSRF = re.compile(rb'name="csrf_token" value="([^"]+)"')

Fetch = Callable[[aiohttp.ClientSession, str], Awaitable[None]]


async def console_pages(bench: Bench) -> list[Row]:
    actions, scoring, alerts = await _services(bench)
    console = await bench.service(
        "console",
        {
            "CONSOLE_INGEST_URL": actions.base_url,  # no page of these calls ingest
            "CONSOLE_SCORING_URL": scoring.base_url,
            "CONSOLE_ALERTS_URL": alerts.base_url,
            "CONSOLE_ACTIONS_URL": actions.base_url,
        },
    )
    await _store_map(actions)
    tasks = await _seed(bench)
    active = [task for task in tasks if task[2] in STATUSES[:3]]
    rows: list[Row] = []
    pages = {
        "task page": [f"/tasks/{task_id}" for task_id, _, _ in active],
        "my tasks": ["/tasks"],
        "committee page": ["/committee"],
    }
    calls = {
        "task page": _task_calls(actions, scoring, active),
        "my tasks": _list_calls(actions),
        "committee page": _committee_calls(actions, scoring),
    }
    pids = {"console": console.pid, "actions": actions.pid, "scoring": scoring.pid}
    for name, paths in pages.items():
        meter = CpuMeter(service_groups(pids, bench.database.data_dir))
        page_p95, cpu = await _page_p95(bench, console, paths, meter)
        api_p95 = {call: await _api_p95(service, urls) for call, (service, urls) in calls[name]}
        rows += _rows(name, page_p95, api_p95, cpu)
    # their idle consumers keep the embedded broker fetching beside the sections that follow
    await bench.stop("console")
    await bench.stop("actions")
    return rows


async def _services(bench: Bench) -> tuple[Service, Service, Service]:
    return await actions_service(bench), await scoring_service(bench), await alerts_service(bench)


async def _store_map(actions: Service) -> None:
    """The map stored in actions, as the pages read it (the topic has it already)."""
    async with actions.client(timeout=30.0, connections=1) as client:
        if (await client.get("/v1/journey-map")).status_code == 404:
            stored = await client.put("/v1/journey-map", json=JOURNEY_MAP)
            if stored.status_code not in (200, 201):
                raise RuntimeError(f"the map was refused: {stored.text[:300]}")


async def _seed(bench: Bench) -> list[tuple[str, str, str]]:
    """:data:`TASKS` tasks stored (this run's, added once); (id, customer, status) of each."""
    async with connect(bench.database) as connection:
        added, seconds = await Seeded(bench.run_id).fill(connection, CUSTOMERS)
        if added:
            print(f"  seeded {added:,} customers in {seconds:.1f} s")
        prefix = f"tsk_bench{bench.run_id}"
        stored = await connection.fetch(
            "SELECT id, customer_id, status FROM actions.task WHERE id LIKE $1", prefix + "%"
        )
        if stored:
            return [(r["id"], r["customer_id"], r["status"]) for r in stored]
        customers = await _customers(connection)
        tasks = _tasks(prefix, customers)
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "task", schema_name="actions", columns=TASK_COLUMNS, records=tasks
        )
        changes = [_opened(task) for task in tasks]
        await connection.copy_records_to_table(
            "task_change", schema_name="actions", columns=CHANGE_COLUMNS, records=changes
        )
        # as a table kept for weeks is: vacuumed (its visibility map set) and analysed; the
        # closed loop's day rows and hours' counts too, updated once per task stored here
        # (a dead version each)
        tables = ("task", "task_change", "task_loop_day", "task_hours_day")
        for table in (f"actions.{name}" for name in tables):
            await connection.execute(f"VACUUM ANALYZE {table}")
        print(f"  stored {len(tasks):,} tasks in {time.perf_counter() - started:.1f} s")
    return [(task[0], task[1], task[4]) for task in tasks]


async def _customers(connection: Any) -> list[str]:
    """:data:`TASKS` customers: those with signals first, then the others."""
    with_signals = await connection.fetch(
        "SELECT customer_id FROM scoring.signal GROUP BY customer_id LIMIT $1", TASKS
    )
    picked = [row["customer_id"] for row in with_signals]
    others = await connection.fetch(
        "SELECT customer_id FROM scoring.customer WHERE customer_id <> ALL($1::text[]) LIMIT $2",
        picked,
        TASKS - len(picked),
    )
    return picked + [row["customer_id"] for row in others]


TASK_COLUMNS = (
    "id",
    "customer_id",
    "touchpoint",
    "department",
    "status",
    "priority",
    "priority_score",
    "severity",
    "escalation_level",
    "occurrences",
    "alert_ids",
    "opened_at",
    "due_at",
    "sla_due_at",
    "changes",
    "customer_recontacted",
    "persona",
    "value_tier",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "recontacted_at",
    "recontact_channel",
)
CHANGE_COLUMNS = (
    "task_id",
    "number",
    "change",
    "actor",
    "changed_at",
    "to_status",
    "fields",
    "event",
    "published_at",
)


def _tasks(prefix: str, customers: Sequence[str]) -> list[tuple[Any, ...]]:
    touchpoints = [(tp["id"], tp.get("owner")) for tp in JOURNEY_MAP["touchpoints"]]
    draw = random.Random(7)
    now = datetime.now(UTC)
    tasks: list[tuple[Any, ...]] = []
    for index, customer in enumerate(customers):
        touchpoint, owner = touchpoints[index % len(touchpoints)]
        opened = now - timedelta(hours=draw.uniform(0, 24 * 60))
        due = opened + timedelta(hours=48)
        priority = draw.choice(("low", "medium", "high", "critical"))
        status = STATUSES[index % len(STATUSES)]
        escalated = MAX_ESCALATIONS if status in STATUSES[:3] and due <= now else 0
        times = _handled(draw, status, opened, now)
        recontact = _recontact(draw, times[0], times[1])
        tasks.append(
            (
                f"{prefix}{index:07d}",
                customer,
                touchpoint,
                owner,
                status,
                priority,
                draw.random(),
                draw.randint(1, 5),
                escalated,
                1,
                [],
                opened,
                due,
                due,
                1,
                recontact[0] is not None,
                draw.choice(("busy-parent", "student", None)),
                draw.choice(("gold", "silver", None)),
                *times,
                *recontact,
            )
        )
    return tasks


def _handled(
    draw: random.Random, status: str, opened: datetime, now: datetime
) -> tuple[datetime | None, datetime | None, datetime | None]:
    """When a task in ``status`` was acknowledged, resolved and closed, in that order and
    before now: acknowledged within hours (median about 4), resolved about a day after that
    (median; about two thirds within the 48 h SLA), closed half a day to 2.5 days later."""
    rank = STATUSES.index(status)
    times: list[datetime | None] = [None, None, None]
    start = opened
    for step, hours in enumerate(
        (draw.lognormvariate(1.4, 1.0), draw.lognormvariate(3.3, 0.9), draw.uniform(12, 60))
    ):
        if rank >= (1, 3, 4)[step]:
            # at most halfway to now, for a task opened too recently
            start = times[step] = min(start + timedelta(hours=hours), start + (now - start) / 2)
    return times[0], times[1], times[2]


def _recontact(
    draw: random.Random, acknowledged: datetime | None, resolved: datetime | None
) -> tuple[datetime | None, str | None]:
    """Four resolved tasks in five recontacted the customer, between acknowledging and
    resolving, by phone or email."""
    if resolved is None or acknowledged is None or draw.random() >= 0.8:
        return None, None
    return acknowledged + (resolved - acknowledged) * draw.random(), draw.choice(("phone", "email"))


def _opened(task: tuple[Any, ...]) -> tuple[Any, ...]:
    return (task[0], 1, "opened", "system", task[11], "open", "{}", "{}", task[11])


async def _signed_in(console: Service, key: str) -> aiohttp.ClientSession:
    """A person's browser: a cookie jar, signed in through the form."""
    session = aiohttp.ClientSession(
        base_url=console.base_url,
        cookie_jar=aiohttp.CookieJar(unsafe=True),  # loopback is an IP address
        timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
    )
    async with session.get("/sign-in") as page:
        token = CSRF.search(await page.read())
    if token is None:
        raise RuntimeError("the sign-in page has no CSRF token")
    form = {"csrf_token": token.group(1).decode(), "api_key": key}
    async with session.post("/sign-in", data=form, allow_redirects=False) as answer:
        if answer.status != 303:
            raise RuntimeError(f"sign-in answered {answer.status}: {(await answer.text())[:300]}")
    return session


async def _page_p95(
    bench: Bench, console: Service, paths: Sequence[str], meter: CpuMeter
) -> tuple[float, dict[str, float]]:
    """p95 in ms of :data:`USERS` people each viewing :data:`VIEWS` pages drawn from
    ``paths`` (after :data:`WARMUP`), and the CPU ms per timed view of each process."""
    people = [await _signed_in(console, bench.api_key) for _ in range(USERS)]
    draw = random.Random(11)
    try:
        for views in (WARMUP, VIEWS):
            meter.start()
            started = time.perf_counter()
            latencies = await asyncio.gather(
                *(_views(person, [draw.choice(paths) for _ in range(views)]) for person in people)
            )
        cores, seconds = meter.stop(), time.perf_counter() - started
    finally:
        for person in people:
            await person.close()
    flat = [latency for own in latencies for latency in own]
    cpu = {name: used * seconds / len(flat) * 1000 for name, used in cores.items()}
    return percentile(flat, 95) * 1000, cpu


async def _views(session: aiohttp.ClientSession, paths: Sequence[str]) -> list[float]:
    latencies = []
    for path in paths:
        started = time.perf_counter()
        async with session.get(path, allow_redirects=False) as answer:
            body = await answer.read()
        if answer.status != 200:
            raise RuntimeError(f"{path} answered {answer.status}: {body[:300]!r}")
        latencies.append(time.perf_counter() - started)
    return latencies


Calls = list[tuple[str, tuple[Service, list[str]]]]


def _task_calls(actions: Service, scoring: Service, tasks: Sequence[tuple[str, str, str]]) -> Calls:
    sample = random.Random(13).sample(list(tasks), min(len(tasks), USERS * VIEWS))
    customers = [quote(customer, safe="") for _, customer, _ in sample]
    return [
        ("GET /v1/tasks/{id}", (actions, [f"/v1/tasks/{task_id}" for task_id, _, _ in sample])),
        (
            "GET /v1/customers/{id}/experience",
            (scoring, [f"/v1/customers/{c}/experience" for c in customers]),
        ),
        (
            "GET /v1/customers/{id}/timeline",
            (scoring, [f"/v1/customers/{c}/timeline?limit=500" for c in customers]),
        ),
        ("GET /v1/journey-map", (actions, ["/v1/journey-map"] * len(sample))),
    ]


def _list_calls(actions: Service) -> Calls:
    views = USERS * VIEWS
    return [
        ("GET /v1/tasks?overdue=true", (actions, ["/v1/tasks?overdue=true"] * views)),
        (
            "GET /v1/tasks?active=true&overdue=false&order=due",
            (actions, ["/v1/tasks?active=true&overdue=false&order=due"] * views),
        ),
    ]


def _committee_calls(actions: Service, scoring: Service) -> Calls:
    """What the committee page asks for its default period (the last 90 days): the map,
    scoring's reports and actions' reports with the backlog, one call each."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=COMMITTEE_DAYS - 1)
    days = f"from={start}&to={today}"
    since = datetime.combine(start, datetime.min.time(), UTC)
    until = datetime.combine(today + timedelta(days=1), datetime.min.time(), UTC)
    instants = f"from={quote(since.isoformat())}&to={quote(until.isoformat())}"
    # the backlog narrowed to the map's touchpoints, its impact window ending now
    tps = "&".join(f"touchpoint={tp['id']}" for tp in JOURNEY_MAP["touchpoints"])
    backlog = f"{tps}&as_of={quote(datetime.now(UTC).isoformat())}"
    views = USERS * VIEWS // 2
    reads = [
        ("GET /v1/journey-map", actions, "/v1/journey-map"),
        (
            "GET /v1/reports/committee (scoring)",
            scoring,
            f"/v1/reports/committee?granularity=week&{days}",
        ),
        (
            "GET /v1/reports/committee (actions)",
            actions,
            f"/v1/reports/committee?limit=100&{backlog}&{instants}",
        ),
    ]
    return [(name, (service, [path] * views)) for name, service, path in reads]


async def _api_p95(service: Service, urls: Sequence[str]) -> float:
    """p95 in ms of ``urls`` read by :data:`USERS` clients at once."""
    async with service.session(connections=USERS) as session:
        shares = [list(urls[i::USERS]) for i in range(USERS)]
        latencies = await asyncio.gather(*(_views(session, share) for share in shares))
    return percentile([latency for own in latencies for latency in own], 95) * 1000


def _rows(
    page: str, page_p95: float, api_p95: dict[str, float], cpu: dict[str, float]
) -> list[Row]:
    where = f"{short_count(CUSTOMERS)} customers, {short_count(TASKS)} tasks, {USERS} users"
    calls = ", ".join(f"{call} {p95:.1f} ms" for call, p95 in api_p95.items())
    used = ", ".join(f"{name} {ms:.1f}" for name, ms in cpu.items() if name != "bench")
    return [
        Row(
            f"console {page} p95 ({where})",
            f"{page_p95:.1f} ms",
            f"< {P95_GOAL_MS:.0f} ms",
            judge(page_p95 < P95_GOAL_MS),
        ),
        Row(f"console {page}: its API calls' p95, alone", calls, "—", Verdict.INFO),
        Row(f"console {page}: CPU ms per view", used, "—", Verdict.INFO),
    ]
