"""The contact policy's queries outside a decision (those are in decisions.py): the ledger
as listed, profiles and tasks as learnt from events."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Row,
    and_,
    func,
    or_,
    select,
    tuple_,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.models import (
    policy_customer,
    policy_decision,
    policy_task,
)
from shared.db.arrays import equals_any


class PolicyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def ledger(
        self,
        customer_id: str,
        after: tuple[datetime, str] | None,
        allowed: bool | None,
        limit: int,
        touchpoints: list[str] | None = None,
    ) -> list[Row[Any]]:
        """The customer's decisions (about ``touchpoints``; None: every one), newest first,
        after the position ``after``."""
        c = policy_decision.c
        query = select(policy_decision).where(c.customer_id == customer_id)
        if touchpoints is not None:
            query = query.where(c.touchpoint.in_(touchpoints))
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
                where=or_(
                    held.profile_updated_at.is_(None),
                    stmt.excluded.profile_updated_at >= held.profile_updated_at,
                ),
            ),
            rows,
        )

    async def apply_task_changes(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Upsert each task's state in order; a change older than the one held is ignored."""
        stmt = insert(policy_task)
        held = policy_task.c
        newer = tuple_(stmt.excluded.change_number, stmt.excluded.changed_at) > tuple_(
            held.change_number, held.changed_at
        )
        columns = (
            "customer_id",
            "touchpoint",
            "department",
            "status",
            "active",
            "change_number",
            "changed_at",
        )
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
        query = select(c.task_id, c.change_number).where(equals_any(c.task_id, task_ids))
        return {row.task_id: row.change_number for row in await self.session.execute(query)}
