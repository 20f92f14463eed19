"""The relationship campaign's queries: who is due, and the invitations it has yet to
publish."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.models import policy_customer, policy_decision
from services.actions.surveys.models import survey_invitation

CUSTOMER = f"{policy_customer.schema}.{policy_customer.name}"
DECISION = f"{policy_decision.schema}.{policy_decision.name}"

# Each customer's slot in the period is fixed by a hash of their id (a phase in [0, 1)),
# so slots spread evenly over the period. A customer is due when their latest slot fell
# within the grace window and no relationship decision since then holds them: an allowed
# one, or a refusal that will not pass (or not yet: quiet hours retry at their end).
# :personas (empty: all), :now, :period and :grace in seconds, :limit.
DUE = text(f"""
WITH phased AS (
    SELECT customer_id,
           ('x' || substr(md5(customer_id), 1, 8))::bit(32)::bigint / 4294967296.0::float8 AS phase
    FROM {CUSTOMER}
    WHERE NOT coalesce(survey_opt_out, false)
      AND (cardinality(CAST(:personas AS varchar[])) = 0
           OR persona = ANY(CAST(:personas AS varchar[])))
), slotted AS (
    SELECT customer_id,
           to_timestamp((floor(now_s / period_s - phase) + phase) * period_s) AS slot
    FROM phased,
         (SELECT CAST(:now AS float8) AS now_s, CAST(:period AS float8) AS period_s) AS p
)
SELECT s.customer_id FROM slotted AS s
WHERE s.slot > to_timestamp(CAST(:now AS float8) - CAST(:grace AS float8))
  AND NOT EXISTS (
    SELECT 1 FROM {DECISION} AS d
    WHERE d.customer_id = s.customer_id AND d.touchpoint = 'relationship' AND d.at >= s.slot
      AND (d.allowed OR d.next_allowed_at IS NULL
           OR d.next_allowed_at > to_timestamp(CAST(:now AS float8)))
  )
ORDER BY s.slot, s.customer_id
LIMIT :limit
""")  # noqa: S608 (table names from the models)


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due(
        self, personas: Sequence[str], now: datetime, period: float, grace: float, limit: int
    ) -> list[str]:
        params = {
            "personas": list(personas),
            "now": now.timestamp(),
            "period": period,
            "grace": grace,
            "limit": limit,
        }
        return [row[0] for row in await self.session.execute(DUE, params)]

    async def unpublished(self, now: datetime, limit: int) -> list[Any]:
        """Relationship invitations not yet published and not expired, with the event
        recorded in the ledger (without its link), oldest first."""
        i, d = survey_invitation.c, policy_decision.c
        query = (
            select(i.invitation_id, i.expires_at, d.invitation)
            .select_from(survey_invitation.join(policy_decision, d.id == i.decision_id))
            .where(i.reason == "relationship", i.published_at.is_(None), i.expires_at > now)
            .order_by(i.created_at)
            .limit(limit)
        )
        return list((await self.session.execute(query)).all())

    async def mark_published(self, invitation_ids: Sequence[str], now: datetime) -> None:
        await self.session.execute(
            update(survey_invitation)
            .where(survey_invitation.c.invitation_id.in_(invitation_ids))
            .values(published_at=now)
        )
