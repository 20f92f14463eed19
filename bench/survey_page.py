"""Ingest's hosted survey page under open-loop load: ``GET /s/{token}`` (the invitation
looked up in actions and marked opened, the form rendered) and ``POST /s/{token}`` (looked
up again, checked, published with acks=all, thanked), each at :data:`RATE` requests/s.

Every request is for its own invitation, asked from actions beforehand through the contact
policy; the POSTs send the forms the GETs received. The figures sit beside ingest's
single-event p99 of the same run (a JSON event, no lookup, no page), with the CPU each
request cost the page's ingest, actions and PostgreSQL: on a shared machine that figure
moves less than the latencies do.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp

from bench.actions import actions_service
from bench.context import INGEST_SINGLE_P99_MS, Bench
from bench.heap import frozen_heap
from bench.infra import Service
from bench.openloop import OpenLoopResult, open_loop
from bench.processes import CpuMeter, service_groups
from bench.report import Row, Verdict, judge
from bench.signals import publish_journey_map

RATE = 200
SECONDS = 10
WARMUP_SECONDS = 1
P99_GOAL_MS = 50.0
TIMEOUT_SECONDS = 5.0
INVITING_CLIENTS = 16
TOUCHPOINT = "loyalty-renewal"  # of the retailer map: NPS and a verbatim, everyone sampled
FORM_TOKEN = re.compile(rb'name="form_token" value="([^"]+)"')
ANSWER = {"nps": "9", "verbatim": "Très bon accueil, merci."}

Get = Callable[[str], Awaitable[str | None]]


@dataclass(frozen=True)
class Phase:
    result: OpenLoopResult
    cpu_ms: Mapping[str, float]  # CPU milliseconds per completed request, by process


async def survey_page(bench: Bench) -> list[Row]:
    await publish_journey_map(bench.settings)
    actions = await actions_service(bench)
    page = await bench.service(
        "ingest",
        {
            "ACTIONS_URL": actions.base_url,
            "ACTIONS_API_KEY": actions.api_key,
            # every request comes from the bench's one address
            "SURVEY_RATE_PER_ADDRESS": "1000000",
        },
        label="ingest-survey-page",
    )
    count = RATE * (WARMUP_SECONDS + SECONDS)
    started = time.perf_counter()
    tokens = await invite(actions, bench.run_id, count)
    print(f"  {count:,} invitations asked from actions in {time.perf_counter() - started:.1f} s")
    warm, timed = tokens[: RATE * WARMUP_SECONDS], tokens[RATE * WARMUP_SECONDS :]
    groups = service_groups({"ingest": page.pid, "actions": actions.pid}, bench.database.data_dir)
    forms: dict[str, str] = {}
    async with aiohttp.ClientSession(
        base_url=page.base_url,
        connector=aiohttp.TCPConnector(limit=64),
        headers={"Accept-Language": "fr-FR"},
    ) as session:
        await open_loop(_getter(session, forms), warm, RATE, drain_timeout=10.0)
        with frozen_heap():
            got = await _timed(groups, open_loop(_getter(session, forms), timed, RATE, 10.0))
        _print("GET", got, len(timed))
        answers = [(token, forms[token]) for token in timed if token in forms]
        if not answers:
            raise RuntimeError("no GET returned a form: nothing to POST")
        await asyncio.sleep(1)  # let the GETs' lookups settle before the POSTs start
        with frozen_heap():
            posted = await _timed(groups, open_loop(_poster(session), answers, RATE, 10.0))
    _print("POST", posted, len(answers))
    # left running, actions would consume the next sections' moments beside what they time
    await bench.stop("ingest-survey-page")
    await bench.stop("actions")
    single = bench.measured.get(INGEST_SINGLE_P99_MS)
    return [*_rows("GET", got, len(timed), single), *_rows("POST", posted, len(timed), single)]


async def invite(actions: Service, run_id: str, count: int) -> list[str]:
    """``count`` invitations to :data:`TOUCHPOINT`, one per new customer: their tokens."""
    at = _daytime_in_paris()
    bodies = iter(
        {
            "customer_id": f"bench-{run_id}-page-{i}",
            "touchpoint": TOUCHPOINT,
            "channel": "email",
            "at": at.isoformat(),
        }
        for i in range(count)
    )
    tokens: list[str] = []
    async with actions.client(timeout=30.0, connections=INVITING_CLIENTS) as client:

        async def ask() -> None:
            for body in bodies:
                response = await client.post("/v1/invitations", json=body)
                response.raise_for_status()
                invitation = response.json()["invitation"]
                if invitation is None:
                    raise RuntimeError(f"the policy refused an invitation: {response.text}")
                tokens.append(invitation["link"].rsplit("/s/", 1)[1])

        await asyncio.gather(*(ask() for _ in range(INVITING_CLIENTS)))
    return tokens


async def _timed(groups: Mapping[str, Any], run: Awaitable[OpenLoopResult]) -> Phase:
    """``run``'s result, with the CPU each process spent per request meanwhile."""
    meter = CpuMeter(groups)
    meter.start()
    started = time.perf_counter()
    result = await run
    cores, elapsed = meter.stop(), time.perf_counter() - started
    done = max(result.completed, 1)
    return Phase(result, {name: used * elapsed / done * 1e3 for name, used in cores.items()})


def _daytime_in_paris() -> datetime:
    """10:00 UTC today, or yesterday before then: outside the map's quiet hours."""
    now = datetime.now(UTC)
    ten = now.replace(hour=10, minute=0, second=0, microsecond=0)
    return ten if ten <= now else ten - timedelta(days=1)


def _getter(session: aiohttp.ClientSession, forms: dict[str, str]) -> Get:
    async def get(token: str) -> str | None:
        try:
            async with asyncio.timeout(TIMEOUT_SECONDS), session.get(f"/s/{token}") as response:
                body = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            return f"{type(exc).__name__}: {exc}"
        found = FORM_TOKEN.search(body)
        if response.status != 200 or found is None:
            return f"HTTP {response.status}: {body[:200].decode(errors='replace')}"
        forms[token] = found.group(1).decode()
        return None

    return get


def _poster(
    session: aiohttp.ClientSession,
) -> Callable[[tuple[str, str]], Awaitable[str | None]]:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    async def post(answer: tuple[str, str]) -> str | None:
        token, form_token = answer
        body = urlencode({**ANSWER, "form_token": form_token})
        try:
            async with (
                asyncio.timeout(TIMEOUT_SECONDS),
                session.post(f"/s/{token}", data=body, headers=headers) as response,
            ):
                page = await response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            return f"{type(exc).__name__}: {exc}"
        if response.status != 200:
            return f"HTTP {response.status}: {page[:200].decode(errors='replace')}"
        return None

    return post


def _print(method: str, phase: Phase, sent: int) -> None:
    result = phase.result
    print(
        f"  {method}: {result.completed:,} of {sent:,} in {result.elapsed:.2f} s "
        f"({result.achieved_rate:,.0f}/s), {len(result.errors)} errors, "
        f"max {max(result.latencies, default=0) * 1000:.1f} ms; CPU ms per request: "
        f"{_cpu(phase)}"
    )
    for error in sorted(set(result.errors))[:3]:
        print(f"  {method} error: {error}")


def _cpu(phase: Phase) -> str:
    return ", ".join(f"{name} {ms:.2f}" for name, ms in phase.cpu_ms.items() if name != "bench")


def _rows(method: str, phase: Phase, sent: int, single: float | None) -> list[Row]:
    result = phase.result
    p50, p99 = result.percentile(50) * 1000, result.percentile(99) * 1000
    load = f"@ {RATE} req/s open loop"
    clean = not result.errors and result.completed == sent
    beside = f"single-event p99 {single:.1f} ms" if single is not None else "no single-event"
    return [
        Row(f"hosted page {method} /s/{{token}} p50 {load}", f"{p50:.1f} ms", "—", Verdict.INFO),
        Row(
            f"hosted page {method} /s/{{token}} p99 {load}",
            f"{p99:.1f} ms ({len(result.errors)} errors of {sent:,})",
            f"< {P99_GOAL_MS:.0f} ms, no errors ({beside})",
            judge(p99 < P99_GOAL_MS and clean),
        ),
        Row(
            f"hosted page {method} /s/{{token}} CPU ms per request", _cpu(phase), "—", Verdict.INFO
        ),
    ]
