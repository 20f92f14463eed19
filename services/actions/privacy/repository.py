"""Every query of the erasure workflow: requests, their outbox, their receipts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.privacy.models import erasure, erasure_receipt


class ErasureRequestRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_unless_pending(self, row: dict[str, Any]) -> Row[Any]:
        """Record the request, or return the customer's pending one (same customer twice)."""
        stmt = (
            insert(erasure)
            .values(row)
            .on_conflict_do_nothing(
                index_elements=["customer_id"], index_where=text("completed_at IS NULL")
            )
        )
        await self.session.execute(stmt)
        query = select(erasure).where(
            erasure.c.customer_id == row["customer_id"], erasure.c.completed_at.is_(None)
        )
        found = (await self.session.execute(query)).first()
        assert found is not None, "inserted or pending"
        return found

    async def get(self, erasure_id: str) -> Row[Any] | None:
        query = select(erasure).where(erasure.c.id == erasure_id)
        return (await self.session.execute(query)).first()

    async def known(self, erasure_ids: Collection[str]) -> set[str]:
        query = select(erasure.c.id).where(erasure.c.id.in_(list(erasure_ids)))
        return set((await self.session.execute(query)).scalars())

    async def unpublished(self, limit: int) -> Sequence[Row[Any]]:
        query = (
            select(erasure)
            .where(erasure.c.published_at.is_(None))
            .order_by(erasure.c.requested_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.execute(query)).all()

    async def mark_published(self, erasure_ids: Collection[str], at: datetime) -> None:
        if erasure_ids:
            stmt = update(erasure).where(erasure.c.id.in_(list(erasure_ids)))
            await self.session.execute(stmt.values(published_at=at))

    async def receipts(self, erasure_id: str) -> Sequence[Row[Any]]:
        query = select(erasure_receipt).where(erasure_receipt.c.erasure_id == erasure_id)
        return (await self.session.execute(query)).all()

    async def add_receipts(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                insert(erasure_receipt).values(list(rows)).on_conflict_do_nothing()
            )

    async def complete(self, erasure_ids: Collection[str], services: Collection[str]) -> None:
        """Mark complete each erasure every one of ``services`` has confirmed."""
        confirmed = (
            select(erasure_receipt.c.erasure_id, func.max(erasure_receipt.c.erased_at).label("at"))
            .where(erasure_receipt.c.service.in_(list(services)))
            .where(erasure_receipt.c.erasure_id.in_(list(erasure_ids)))
            .group_by(erasure_receipt.c.erasure_id)
            .having(func.count() == len(set(services)))
            .subquery()
        )
        stmt = (
            update(erasure)
            .where(erasure.c.id == confirmed.c.erasure_id, erasure.c.completed_at.is_(None))
            .values(completed_at=confirmed.c.at)
        )
        await self.session.execute(stmt)
