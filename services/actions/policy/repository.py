"""Every query of the contact policy."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Row,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import statements
from services.actions.policy.evaluation import QuotaKey
from services.actions.policy.models import (
    policy_customer,
    policy_decision,
    policy_quota_usage,
    policy_task,
)


def _ids(values: Collection[str]) -> Any:
    """One array parameter, however many ids (a long ``IN`` list costs planning time)."""
    return any_(bindparam("ids", list(values), type_=ARRAY(String)))


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        return await self._fetch(statements.READ, list(customer_ids), after, before)

    async def lock_quotas(self, keys: Sequence[QuotaKey]) -> list[Row[Any]]:
        """Create the quota counters if missing and lock them until commit, in the order
        given (sorted by the caller, after every customer row it locks)."""
        personas, periods, starts = (list(column) for column in zip(*keys, strict=True))
        rows = (
            func.unnest(
                bindparam("b_personas", personas, type_=ARRAY(String)),
                bindparam("b_periods", periods, type_=ARRAY(String)),
                bindparam("b_starts", starts, type_=ARRAY(DateTime(timezone=True))),
            )
            .table_valued("persona", "period", "period_start")
            .render_derived()
        )
        values = insert(policy_quota_usage).from_select(
            ["persona", "period", "period_start", "used"],
            select(rows.c.persona, rows.c.period, rows.c.period_start, literal(0)),
        )
        stmt = values.on_conflict_do_update(
            index_elements=[policy_quota_usage.c.persona, policy_quota_usage.c.period,
                            policy_quota_usage.c.period_start],
            set_={"used": policy_quota_usage.c.used},
        ).returning(*policy_quota_usage.c)  # fmt: skip
        return list(await self.session.execute(stmt))

    async def quotas(self, keys: Collection[QuotaKey]) -> list[Row[Any]]:
        c = policy_quota_usage.c
        query = select(policy_quota_usage).where(
            tuple_(c.persona, c.period, c.period_start).in_(list(keys))
        )
        return list(await self.session.execute(query))

    async def decisions(self, decision_ids: Collection[str]) -> list[Row[Any]]:
        query = select(policy_decision).where(policy_decision.c.id == _ids(decision_ids))
        return list(await self.session.execute(query))

    async def record(
        self, decisions: Sequence[Mapping[str, Any]], usage: Mapping[QuotaKey, int]
    ) -> None:
        """Append the decisions to the ledger and add ``usage`` to the quota counters,
        which :meth:`lock_quotas` locked before."""
        columns = [[d[name] for d in decisions] for name in statements.DECISION_COLUMNS]
        counters = sorted(usage.items())
        quotas = [[key[i] for key, _ in counters] for i in range(3)]
        await self._fetch(statements.RECORD, *columns, *quotas, [n for _, n in counters])

    async def ledger(
        self,
        customer_id: str,
        after: tuple[datetime, str] | None,
        allowed: bool | None,
        limit: int,
    ) -> list[Row[Any]]:
        """The customer's decisions, newest first, after the position ``after``."""
        c = policy_decision.c
        query = select(policy_decision).where(c.customer_id == customer_id)
        if allowed is not None:
            query = query.where(c.allowed == allowed)
        if after is not None:
            at, decision_id = after
            query = query.where(or_(c.at < at, and_(c.at == at, c.id < decision_id)))
        query = query.order_by(c.at.desc(), c.id.desc()).limit(limit)
        return list(await self.session.execute(query))

    async def apply_profiles(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Upsert profiles in order; a field left out keeps the value held, a profile older
        than the one held changes nothing."""
        stmt = insert(policy_customer)
        held = policy_customer.c
        kept = ("persona", "value_tier", "locale", "timezone", "survey_opt_out")
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[held.customer_id],
                set_={
                    **{name: func.coalesce(stmt.excluded[name], held[name]) for name in kept},
                    "profile_updated_at": stmt.excluded.profile_updated_at,
                },
                where=or_(held.profile_updated_at.is_(None),
                          stmt.excluded.profile_updated_at >= held.profile_updated_at),
            ),
            rows,
        )  # fmt: skip

    async def apply_task_changes(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Upsert each task's state in order; a change older than the one held is ignored."""
        stmt = insert(policy_task)
        held = policy_task.c
        newer = tuple_(stmt.excluded.change_number, stmt.excluded.changed_at) > tuple_(
            held.change_number, held.changed_at
        )
        columns = ("customer_id", "touchpoint", "department", "status", "active",
                   "change_number", "changed_at")  # fmt: skip
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[held.task_id],
                set_={name: stmt.excluded[name] for name in columns},
                where=newer,
            ),
            rows,
        )

    async def task_changes(self, task_ids: Collection[str]) -> dict[str, int]:
        """The newest change number held per task."""
        c = policy_task.c
        query = select(c.task_id, c.change_number).where(c.task_id == _ids(task_ids))
        return {row.task_id: row.change_number for row in await self.session.execute(query)}

    async def _fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """The rows of a statement of :mod:`statements`, in the session's transaction.

        SQLAlchemy's asyncpg adapter begins the transaction lazily, on the first statement
        sent through it (one sent straight to asyncpg before would run and commit on its
        own): that one goes through SQLAlchemy, the next ones straight to asyncpg, which
        costs less CPU.
        """
        connection = await self.session.connection()
        driver = (await connection.get_raw_connection()).driver_connection
        if driver is None or not driver.is_in_transaction():
            return [tuple(row) for row in await connection.exec_driver_sql(sql, args)]
        return [tuple(row) for row in await driver.fetch(sql, *args)]
