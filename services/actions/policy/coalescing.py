"""Single decisions asked at the same time, taken together: while the database takes some,
the others wait and then go in one transaction, as ``decide-batch`` takes them.

Most of a single decision's cost is its round trips, on both sides: two statements, each a
write and a wake-up in the service and in PostgreSQL. Under load, decisions queue here
while :data:`PolicySettings.policy_decision_batches` batches are in flight, then the next
batch takes all those waiting (at most ``MAX_BATCH``): four round trips (``BEGIN``, the
customers locked and read, the ledger written, ``COMMIT``) whatever its size. Alone, a
decision still takes the two statements without a transaction
(:func:`service.decide_unlocked`): nothing waits for a batch to fill.

The answers are those of one transaction per decision, in the order they arrived (see
:func:`service.decide`): two decisions for one customer in a batch are taken one after
the other, and batches lock their customers as every locking decision does. Each answer is
sent once its batch has committed; nothing is kept from one batch to the next.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from services.actions.policy import service
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest
from services.actions.policy.schemas import MAX_BATCH
from shared.journey import JourneyMap

Connect = Callable[[], AbstractAsyncContextManager[Any]]


@dataclass(frozen=True)
class _Waiting:
    journey: JourneyMap
    request: DecisionRequest
    answer: asyncio.Future[Decision]


class DecisionCoalescer:
    def __init__(self, single: Connect, batch: Connect, batches: int) -> None:
        """``single()`` and ``batch()`` each lend an asyncpg connection (outside any
        transaction) for a decision alone and for a batch; at most ``batches`` run at once."""
        self._single = single
        self._batch = batch
        self._batches = batches
        self._running = 0
        self._waiting: deque[_Waiting] = deque()
        self._tasks: set[asyncio.Task[None]] = set()

    async def decide(self, journey: JourneyMap, request: DecisionRequest) -> Decision:
        """Decide and record ``request`` under ``journey`` (which holds its touchpoint)."""
        answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(journey, request, answer))
        self._start()
        return await answer

    def _start(self) -> None:
        while self._waiting and self._running < self._batches:
            taken = self._take()
            self._running += 1
            task = asyncio.create_task(self._run(taken))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _take(self) -> list[_Waiting]:
        """Those waiting first, under the same journey map (a new map starts a batch)."""
        first = self._waiting.popleft()
        taken = [first]
        while self._waiting and len(taken) < MAX_BATCH:
            if self._waiting[0].journey is not first.journey:
                break
            taken.append(self._waiting.popleft())
        return taken

    async def _run(self, taken: list[_Waiting]) -> None:
        try:
            decisions = await self._decide(taken[0].journey, [w.request for w in taken])
        except BaseException as exc:
            for waiting in taken:  # each request answers it (a 500), or is cancelled with it
                if waiting.answer.done():
                    continue
                if isinstance(exc, Exception):
                    waiting.answer.set_exception(exc)
                else:
                    waiting.answer.cancel()
            if not isinstance(exc, Exception):
                raise
        else:
            for waiting, decision in zip(taken, decisions, strict=True):
                if not waiting.answer.done():  # its request may have been cancelled
                    waiting.answer.set_result(decision)
        finally:
            self._running -= 1
            self._start()

    async def _decide(self, journey: JourneyMap, requests: list[DecisionRequest]) -> list[Decision]:
        if len(requests) == 1:
            async with self._single() as connection:
                repo = DecisionRepository.on_connection(connection)
                decision = await service.decide_unlocked(repo, journey, requests[0])
                if decision is not None:
                    return [decision]
                async with connection.transaction():
                    return await service.decide(repo, journey, requests)
        async with self._batch() as connection, connection.transaction():
            repo = DecisionRepository.on_connection(connection)
            return await service.decide(repo, journey, requests)
