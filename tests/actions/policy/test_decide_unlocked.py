"""A decision asked over the API is recorded in two statements without a transaction when
nothing changes its customer in between, and left to the locking path (nothing written)
when something does or when it counts against a persona quota."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from services.actions.policy import service, statements
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest
from shared.events.schemas import Channel
from tests.actions.policy.conftest import T0, Policy
from tests.actions.policy.test_locking import decide, transaction, waiting_for_a_lock
from tests.conftest import unique

DAY = timedelta(days=1)


@asynccontextmanager
async def pooled(policy: Policy) -> AsyncIterator[tuple[Any, list[str]]]:
    """An asyncpg connection of the service's pool, outside any transaction, and the
    statements sent on it from now on."""
    async with policy.running.app.state.read_pool.acquire() as driver:
        sent: list[str] = []

        def log(query: Any) -> None:
            sent.append(query.query)

        driver.add_query_logger(log)
        try:
            yield driver, sent
        finally:
            driver.remove_query_logger(log)


async def decide_unlocked(
    policy: Policy, connection: Any, customer: str, at: datetime, touchpoint: str | None = None
) -> Decision | None:
    request = DecisionRequest(
        uuid.uuid4().hex, customer, touchpoint or policy.ids.other, Channel.WEB, at
    )
    repo = DecisionRepository.on_connection(connection)
    journey = policy.running.app.state.journey.current
    return await service.decide_unlocked(repo, journey, request)


async def test_two_statements_and_no_transaction(policy: Policy) -> None:
    customer = unique("po-u")
    async with pooled(policy) as (connection, sent):
        first = await decide_unlocked(policy, connection, customer, T0)  # no row yet
        again = await decide_unlocked(policy, connection, customer, T0 + 10 * DAY)
    assert first is not None
    assert first.verdict.allowed
    assert again is not None
    assert (again.verdict.allowed, again.verdict.reason) == (False, "survey_interval")
    # asyncpg's own queries aside (type introspection): two statements each, no transaction
    ours = [q for q in sent if q.startswith(("BEGIN", "COMMIT")) or q.startswith("\nWITH")]
    assert ours == [statements.READ, statements.RECORD_IF_UNCHANGED] * 2
    ledger = await policy.ledger(customer)
    assert [item["reason"] for item in ledger["items"]] == ["survey_interval", "allowed"]


async def test_a_decision_committed_in_between_leaves_nothing_written(policy: Policy) -> None:
    """The unlocked decision reads before the other commits, so it would allow a second
    survey within the interval: its write waits for the other's lock, then finds the
    customer's row changed and writes nothing."""
    for seen_before in (False, True):
        customer = unique("po-u")
        if seen_before:  # a row exists: the write rewrites it; else it creates it
            await policy.decide(customer, policy.ids.other, T0 - 90 * DAY)
        async with transaction(policy) as (other, _), pooled(policy) as (connection, _):
            assert (await decide(policy, other, customer, T0)).verdict.allowed
            pid = connection.get_server_pid()
            waiting = asyncio.create_task(decide_unlocked(policy, connection, customer, T0 + DAY))
            await waiting_for_a_lock(policy, pid)
            await other.commit()
            assert await waiting is None
        ledger = await policy.ledger(customer)
        recorded = [datetime.fromisoformat(item["at"]) for item in ledger["items"]]
        assert recorded == ([T0, T0 - 90 * DAY] if seen_before else [T0])


async def test_an_allowed_decision_under_a_persona_quota_is_left_to_the_locking_path(
    policy: Policy,
) -> None:
    quota, free = unique("po-u"), unique("po-u")
    await policy.profile(quota, T0 - DAY, persona=policy.ids.quota_persona)
    await policy.profile(free, T0 - DAY, persona=policy.ids.free_persona)
    async with pooled(policy) as (connection, _):
        assert await decide_unlocked(policy, connection, quota, T0) is None
        # 04:00 in Paris: refused by quiet hours, so the quota does not matter
        held = await decide_unlocked(policy, connection, quota, T0 - timedelta(hours=8))
        assert held is not None
        assert held.verdict.reason == "quiet_hours"
        allowed = await decide_unlocked(policy, connection, free, T0)
        assert allowed is not None
        assert allowed.verdict.allowed
    ledger = await policy.ledger(quota)
    assert [item["reason"] for item in ledger["items"]] == ["quiet_hours"]
