"""A decision that waited for a customer's lock reads the customer again: its statement's
snapshot was taken before the decision it waited for committed."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import service
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest
from shared.events.schemas import Channel
from tests.actions.policy.conftest import T0, Policy
from tests.conftest import unique

DAY = timedelta(days=1)


@asynccontextmanager
async def transaction(policy: Policy) -> AsyncIterator[tuple[AsyncSession, int]]:
    """A transaction, committed by the test or rolled back at the end, with its backend's
    pid."""
    async with policy.running.sessions() as session:
        pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        yield session, pid


async def decide(policy: Policy, session: AsyncSession, customer: str, at: datetime) -> Decision:
    request = DecisionRequest(uuid.uuid4().hex, customer, policy.ids.other, Channel.WEB, at)
    repo = DecisionRepository.on_session(session)
    [decision] = await service.decide(repo, policy.running.app.state.journey.current, [request])
    return decision


async def waiting_for_a_lock(policy: Policy, pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    query = text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid")
    while time.monotonic() < deadline:
        async with policy.running.sessions() as session:
            if (await session.execute(query, {"pid": pid})).scalar() == "Lock":
                return
        await asyncio.sleep(0.01)
    raise AssertionError(f"backend {pid} never waited for a lock")


async def test_each_decision_waiting_in_turn_sees_the_one_before(policy: Policy) -> None:
    """The third decision's statement starts after the first committed and waits for the
    second, which took the lock without its first statement changing the row: the second
    must still change it, or the third would trust a snapshot that misses it."""
    customer = unique("po-l")
    async with transaction(policy) as (first, _):
        assert (await decide(policy, first, customer, T0)).verdict.allowed
        async with transaction(policy) as (second, second_pid):
            # 60 days after the first: allowed, if it sees the first (and it must wait)
            waiting_second = asyncio.create_task(decide(policy, second, customer, T0 + 60 * DAY))
            await waiting_for_a_lock(policy, second_pid)
            await first.commit()
            assert (await waiting_second).verdict.allowed
            async with transaction(policy) as (third, third_pid):
                # 20 days after the second: held, if it sees the second
                waiting_third = asyncio.create_task(decide(policy, third, customer, T0 + 80 * DAY))
                await waiting_for_a_lock(policy, third_pid)
                await second.commit()
                held = (await waiting_third).verdict
                assert (held.allowed, held.reason) == (False, "survey_interval")
                assert held.next_allowed_at == T0 + 90 * DAY
