"""The queries of a decision: lock and read the customers, the quota counters, record.

They run the statements of :mod:`statements` straight on asyncpg, either on a connection
the API holds in a transaction (:meth:`DecisionRepository.on_connection`, the cheapest)
or in a SQLAlchemy session's transaction (:meth:`DecisionRepository.on_session`, for the
consumers, whose runner owns the session).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import statements
from services.actions.policy.evaluation import QuotaKey

Fetch = Callable[..., Awaitable[list[tuple[Any, ...]]]]


class DecisionRepository:
    def __init__(self, fetch: Fetch) -> None:
        """``fetch(sql, *args)``: the rows of a statement, in the caller's transaction."""
        self._fetch = fetch

    @property
    def fetch(self) -> Fetch:
        """For other statements of the same transaction (the invitations recorded)."""
        return self._fetch

    @classmethod
    def on_connection(cls, connection: Any) -> DecisionRepository:
        """On an asyncpg connection; the caller holds the transaction (or none, to read)."""

        async def fetch(sql: str, *args: Any) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in await connection.fetch(sql, *args)]

        return cls(fetch)

    @classmethod
    def on_session(cls, session: AsyncSession) -> DecisionRepository:
        """In the session's transaction. SQLAlchemy's asyncpg adapter begins it lazily, on
        the first statement sent through it (one sent straight to asyncpg before would run
        and commit on its own): that one goes through SQLAlchemy, the next ones straight
        to asyncpg, which costs less CPU."""

        async def fetch(sql: str, *args: Any) -> list[tuple[Any, ...]]:
            connection = await session.connection()
            driver = (await connection.get_raw_connection()).driver_connection
            if driver is None or not driver.is_in_transaction():
                return [tuple(row) for row in await connection.exec_driver_sql(sql, args)]
            return [tuple(row) for row in await driver.fetch(sql, *args)]

        return cls(fetch)

    async def lock_customers(
        self, customer_ids: Sequence[str], after: datetime, before: datetime
    ) -> list[tuple[Any, ...]]:
        """Create the customers' rows if missing and lock them until commit, in the order
        given (sorted by the caller, so two transactions never wait on each other in a
        cycle); rows of :mod:`statements`: their profiles, their solicitations strictly
        between the times and their open tasks, as left by any transaction that held a
        lock before.

        One round trip, unless a customer's row changed while the statement waited for it;
        then a second one reads those customers again (see ``LOCK_AND_READ``).
        """
        rows = await self._fetch(statements.LOCK_AND_READ, list(customer_ids), after, before)
        fresh = {customer_id for kind, customer_id, *_ in rows if kind == "customer"}
        if len(fresh) == len(customer_ids):
            return rows
        stale = [customer_id for customer_id in customer_ids if customer_id not in fresh]
        again = await self._fetch(statements.TOUCH_AND_READ, stale, after, before)
        return [row for row in rows if row[1] in fresh] + again

    async def customers(
        self, customer_ids: Sequence[str], after: datetime, before: datetime
    ) -> list[tuple[Any, ...]]:
        """The same rows as :meth:`lock_customers`, nothing locked (a customer never seen
        has none)."""
        if len(customer_ids) == 1:
            return await self._fetch(statements.READ, customer_ids[0], after, before)
        return await self._fetch(statements.READ_MANY, list(customer_ids), after, before)

    async def lock_quotas(self, keys: Sequence[QuotaKey]) -> dict[QuotaKey, int]:
        """Create the quota counters if missing and lock them until commit, in the order
        given (sorted by the caller, after every customer row it locks); their usage."""
        rows = await self._fetch(statements.LOCK_QUOTAS, *_quota_arrays(keys))
        return {(persona, period, start): used for persona, period, start, used in rows}

    async def quotas(self, keys: Sequence[QuotaKey]) -> dict[QuotaKey, int]:
        rows = await self._fetch(statements.QUOTAS, *_quota_arrays(keys))
        return {(persona, period, start): used for persona, period, start, used in rows}

    async def record_if_unchanged(
        self, decision: Mapping[str, Any], customer_version: str | None
    ) -> bool:
        """Append one decision to the ledger, outside any transaction, if its customer's row
        is still at ``customer_version`` (as :meth:`customers` read it); whether it did.
        The same statement creates or rewrites the row, so that a decision waiting behind
        this one reads again (see ``statements.RECORD_IF_UNCHANGED``)."""
        values = [decision[name] for name in statements.DECISION_COLUMNS]
        return bool(await self._fetch(statements.RECORD_IF_UNCHANGED, *values, customer_version))

    async def record_counted_if_unchanged(
        self,
        decision: Mapping[str, Any],
        customer_version: str,
        maxima: Mapping[QuotaKey, int],
    ) -> bool:
        """:meth:`record_if_unchanged` for an allowed decision that counts against the
        quota counters of ``maxima`` (each key with its maximum): appended, and one added
        to each counter, only if the customer's row is still at ``customer_version`` and
        every counter exists and is below its maximum once locked; whether it was (see
        ``statements.RECORD_COUNTED_IF_UNCHANGED``)."""
        values = [decision[name] for name in statements.DECISION_COLUMNS]
        keys = sorted(maxima)
        limits = [maxima[key] for key in keys]
        rows = await self._fetch(
            statements.RECORD_COUNTED_IF_UNCHANGED,
            *values,
            customer_version,
            *_quota_arrays(keys),
            limits,
        )
        return bool(rows)

    async def decisions(self, decision_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The decisions recorded under these ids, as :data:`statements.DECISION_COLUMNS`
        (the invitation as JSON text)."""
        rows = await self._fetch(statements.DECISIONS, list(decision_ids))
        return [dict(zip(statements.DECISION_COLUMNS, row, strict=True)) for row in rows]

    async def record(
        self, decisions: Sequence[Mapping[str, Any]], usage: Mapping[QuotaKey, int]
    ) -> None:
        """Append the decisions to the ledger and add ``usage`` to the quota counters,
        which :meth:`lock_quotas` locked before."""
        columns = [[d[name] for d in decisions] for name in statements.DECISION_COLUMNS]
        counters = sorted(usage.items())
        await self._fetch(
            statements.RECORD,
            *columns,
            *_quota_arrays([key for key, _ in counters]),
            [n for _, n in counters],
        )


def _quota_arrays(keys: Sequence[QuotaKey]) -> list[list[Any]]:
    return [[key[i] for key in keys] for i in range(3)]
