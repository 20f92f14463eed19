"""Following customers' LXI after their tasks, for the closed-loop report's recovery.

The LXI only changes when a signal arrives, so the LXI at an instant is the ``lxi_after``
of the customer's latest moment at or before it. Each task keeps that of the latest moment
(by ``occurred_at``, whatever the arrival order) no later than its resolution plus the
recovery period. Applying a moment twice changes nothing: no inbox is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.tasks.config import TaskSettings
from services.actions.tasks.repository import TaskRepository
from shared.events.schemas import Event, MomentEvaluated
from shared.kafka.runner import Consumed


class RecoveryFollower:
    """The consumer of ``cx.moments`` (group ``actions-recovery``)."""

    def __init__(self, settings: TaskSettings) -> None:
        self.days = settings.task_recovery_days

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
        moments = [c.event for c in batch if isinstance(c.event, MomentEvaluated)]
        if not moments:
            return ()
        moments.sort(key=lambda m: (m.customer_id, m.occurred_at, m.event_id))
        repo = TaskRepository(session)
        await repo.serialise_batch_writers()
        await repo.remember_latest_lxi(_latest_per_customer(moments))
        await repo.follow_recovery(
            [
                {"b_customer": m.customer_id, "b_at": m.occurred_at, "b_lxi": m.lxi_after}
                for m in moments
            ],
            self.days,
        )
        return ()


def _latest_per_customer(moments: Sequence[MomentEvaluated]) -> list[dict[str, Any]]:
    """Sorted by customer then time, the last of each customer is its latest."""
    latest = {m.customer_id: m for m in moments}
    return [
        {
            "customer_id": m.customer_id,
            "moment_id": m.event_id,
            "occurred_at": m.occurred_at,
            "lxi_after": m.lxi_after,
        }
        for m in latest.values()
    ]
