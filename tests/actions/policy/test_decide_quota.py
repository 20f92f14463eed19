"""A decision asked over the API that counts against a persona quota is recorded without a
transaction once its period's counter exists: read, read the counters, then one statement
that locks them and counts it only while each is below its maximum. Concurrent decisions
never overrun a quota, however they interleave."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from services.actions.policy import statements
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest, decision_row
from services.actions.policy.rules import PASS
from shared.events.schemas import Channel
from tests.actions.policy.conftest import Policy
from tests.actions.policy.test_decide_unlocked import decide_unlocked, pooled
from tests.actions.policy.test_locking import transaction, waiting_for_a_lock
from tests.conftest import unique

DAY = timedelta(days=1)
QUOTA = 2  # the quota persona's invitations a day (conftest)
STATEMENTS = {
    statements.READ,
    statements.QUOTAS,
    statements.RECORD_IF_UNCHANGED,
    statements.RECORD_COUNTED_IF_UNCHANGED,
}


async def _used(policy: Policy, day: datetime) -> int | None:
    query = text(
        f"SELECT used FROM {statements.QUOTA_USAGE} WHERE persona = :persona "  # noqa: S608
        "AND period = 'day' AND period_start <= :at ORDER BY period_start DESC LIMIT 1"
    )
    async with policy.running.sessions() as session:
        found = await session.execute(query, {"persona": policy.ids.quota_persona, "at": day})
        return found.scalar()


async def _customers(policy: Policy, count: int, day: datetime) -> list[str]:
    customers = [unique("po-qc") for _ in range(count)]
    for customer in customers:
        await policy.profile(customer, day - DAY, persona=policy.ids.quota_persona)
    return customers


async def test_counted_in_three_statements_and_no_transaction(policy: Policy) -> None:
    day = datetime(2026, 9, 8, 10, 0, tzinfo=UTC)
    first, second, third = await _customers(policy, 3, day)
    async with pooled(policy) as (connection, sent):
        # no counter for the day yet: the locking path creates it
        assert await decide_unlocked(policy, connection, first, day) is None
        assert (await policy.decide(first, policy.ids.other, day))["allowed"]
        sent.clear()
        allowed = await decide_unlocked(policy, connection, second, day)
        await asyncio.sleep(0)  # asyncpg calls its query loggers soon after, not at once
        ours = [q for q in sent if q.startswith(("BEGIN", "COMMIT")) or q in STATEMENTS]
        assert ours == [statements.READ, statements.QUOTAS, statements.RECORD_COUNTED_IF_UNCHANGED]
        refused = await decide_unlocked(policy, connection, third, day)
    assert allowed is not None
    assert allowed.verdict.allowed
    assert refused is not None
    assert refused.verdict.reason == "persona_quota"
    assert await _used(policy, day) == QUOTA
    for customer, reason in ((second, "allowed"), (third, "persona_quota")):
        ledger = await policy.ledger(customer)
        assert [item["reason"] for item in ledger["items"]] == [reason]


async def test_a_counter_filled_while_the_write_waits_counts_and_records_nothing(
    policy: Policy,
) -> None:
    """The write's snapshot still sees one invitation left, but it waits for the counter's
    lock held by another decision that takes the last one: once that commits, it reads
    the counter as left and writes nothing."""
    day = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
    first, late = await _customers(policy, 2, day)
    assert (await policy.decide(first, policy.ids.other, day))["allowed"]
    key = (policy.ids.quota_persona, "day", datetime(2026, 9, 14, 22, 0, tzinfo=UTC))
    take_the_last = text(
        f"UPDATE {statements.QUOTA_USAGE} SET used = used + 1 "  # noqa: S608
        "WHERE persona = :persona AND period = 'day' AND period_start = :start"
    )
    async with pooled(policy) as (connection, _), transaction(policy) as (other, _):
        repo = DecisionRepository.on_connection(connection)
        [profile] = [r for r in await repo.customers([late], day, day) if r[0] == "customer"]
        await other.execute(take_the_last, {"persona": key[0], "start": key[2]})
        pid = await connection.fetchval("SELECT pg_backend_pid()")
        write = asyncio.create_task(
            repo.record_counted_if_unchanged(
                allowed_row(policy, late, day), profile[2], {key: QUOTA}
            )
        )
        await waiting_for_a_lock(policy, pid)
        await other.commit()
        assert not await write
    assert await _used(policy, day) == QUOTA
    assert (await policy.ledger(late))["items"] == []


def allowed_row(policy: Policy, customer: str, at: datetime) -> dict[str, Any]:
    """An allowed decision's ledger row for ``customer``, as the unlocked path builds it."""
    request = DecisionRequest(unique("d"), customer, policy.ids.other, Channel.WEB, at)
    return decision_row(Decision(request, PASS, policy.ids.quota_persona))


async def test_concurrent_decisions_never_overrun_a_quota(policy: Policy) -> None:
    day = datetime(2026, 9, 22, 10, 0, tzinfo=UTC)
    first, *others = await _customers(policy, 13, day)
    assert (await policy.decide(first, policy.ids.other, day))["allowed"]  # the counter
    answers = await asyncio.gather(*(policy.decide(c, policy.ids.other, day) for c in others))
    reasons = sorted(a["reason"] for a in answers)
    assert reasons == ["allowed"] * (QUOTA - 1) + ["persona_quota"] * (len(others) - QUOTA + 1)
    assert await _used(policy, day) == QUOTA
