"""Single decisions asked while a batch of them is in flight wait, then go together in one
transaction, in the order they came: answers as if each had its own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from services.actions.policy import statements
from services.actions.policy.coalescing import DecisionCoalescer
from services.actions.policy.evaluation import DecisionRequest
from shared.events.schemas import Channel
from tests.actions.policy.conftest import T0, Policy
from tests.conftest import unique

DAY = timedelta(days=1)


async def test_decisions_asked_meanwhile_go_together_in_their_order(policy: Policy) -> None:
    pool = policy.running.app.state.read_pool
    batches: list[list[str]] = []

    @asynccontextmanager
    async def batch() -> AsyncIterator[Any]:
        async with pool.acquire() as connection:
            sent: list[str] = []
            batches.append(sent)

            def log(query: Any) -> None:
                sent.append(query.query)

            connection.add_query_logger(log)
            try:
                yield connection
            finally:
                await asyncio.sleep(0)  # asyncpg calls its query loggers soon after
                connection.remove_query_logger(log)

    coalescer = DecisionCoalescer(pool.acquire, batch, batches=1)
    journey = policy.running.app.state.journey.current
    customers = [unique("po-c") for _ in range(5)]
    asked = [(customer, T0) for customer in customers] + [(customers[1], T0 + DAY)]
    requests = [
        DecisionRequest(uuid.uuid4().hex, customer, policy.ids.other, Channel.WEB, at)
        for customer, at in asked
    ]
    decisions = await asyncio.gather(*(coalescer.decide(journey, r) for r in requests))

    # the first went alone (no batch in flight); the five asked meanwhile went together
    assert len(batches) == 1
    ours = [
        q if q in (statements.LOCK_AND_READ, statements.RECORD) else q.split(";")[0].strip()
        for q in batches[0]
        if q.startswith(("BEGIN", "COMMIT")) or q in (statements.LOCK_AND_READ, statements.RECORD)
    ]
    assert ours == ["BEGIN", statements.LOCK_AND_READ, statements.RECORD, "COMMIT"]
    assert [d.request for d in decisions] == requests
    assert [d.verdict.reason for d in decisions] == ["allowed"] * 5 + ["survey_interval"]
    ledger = await policy.ledger(customers[1])
    assert [item["reason"] for item in ledger["items"]] == ["survey_interval", "allowed"]
    assert [item["decision_id"] for item in ledger["items"]] == [
        requests[5].decision_id,
        requests[1].decision_id,
    ]
