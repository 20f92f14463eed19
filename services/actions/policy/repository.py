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
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.evaluation import QuotaKey
from services.actions.policy.models import (
    policy_customer,
    policy_decision,
    policy_quota_usage,
    policy_task,
)

_PROFILE = (policy_customer.c.customer_id, policy_customer.c.persona, policy_customer.c.locale,
            policy_customer.c.timezone, policy_customer.c.survey_opt_out)  # fmt: skip


def _ids(values: Collection[str]) -> Any:
    """One array parameter, however many ids (a long ``IN`` list costs planning time)."""
    return any_(bindparam("ids", list(values), type_=ARRAY(String)))


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_customers(self, customer_ids: Sequence[str]) -> list[Row[Any]]:
        """Create the customers' rows if missing and lock them until commit; their profiles.

        One statement: the upsert takes the row lock, waits for a transaction holding it,
        and returns the row as that transaction left it. Rows are taken in the order given
        (sorted by the caller), so two transactions never wait on each other in a cycle.
        """
        ids = select(func.unnest(bindparam("ids", list(customer_ids), type_=ARRAY(String))))
        values = insert(policy_customer).from_select(["customer_id"], ids)
        stmt = values.on_conflict_do_update(
            index_elements=[policy_customer.c.customer_id],
            set_={"customer_id": values.excluded.customer_id},
        ).returning(*_PROFILE)
        return list(await self.session.execute(stmt))

    async def customers(self, customer_ids: Collection[str]) -> list[Row[Any]]:
        query = select(*_PROFILE).where(policy_customer.c.customer_id == _ids(customer_ids))
        return list(await self.session.execute(query))

    async def history(
        self, customer_ids: Collection[str], after: datetime, before: datetime
    ) -> list[Row[Any]]:
        """In one round trip, rows ``(customer_id, kind, key, at)``: the customers'
        solicitations strictly between the times (kind ``survey``, key the touchpoint) and
        their open tasks (kind ``task``, key the task id, no time)."""
        d, t = policy_decision.c, policy_task.c
        surveys = select(d.customer_id, literal("survey").label("kind"),
                         d.touchpoint.label("key"), d.at).where(
            d.customer_id == _ids(customer_ids), d.allowed, d.at > after, d.at < before
        )  # fmt: skip
        tasks = select(t.customer_id, literal("task"), t.task_id,
                       null().cast(DateTime(timezone=True))).where(
            t.customer_id == _ids(customer_ids), t.active
        )  # fmt: skip
        return list(await self.session.execute(union_all(surveys, tasks)))

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

    async def add_usage(self, used: Mapping[QuotaKey, int]) -> None:
        c = policy_quota_usage.c
        await self.session.execute(
            update(policy_quota_usage)
            .where(c.persona == bindparam("b_persona"), c.period == bindparam("b_period"),
                   c.period_start == bindparam("b_start"))
            .values(used=c.used + bindparam("b_used")),
            [{"b_persona": p, "b_period": k, "b_start": s, "b_used": n}
             for (p, k, s), n in sorted(used.items())],
        )  # fmt: skip

    async def decisions(self, decision_ids: Collection[str]) -> list[Row[Any]]:
        query = select(policy_decision).where(policy_decision.c.id == _ids(decision_ids))
        return list(await self.session.execute(query))

    async def add_decisions(self, rows: Sequence[Mapping[str, Any]]) -> None:
        await self.session.execute(insert(policy_decision), rows)

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
