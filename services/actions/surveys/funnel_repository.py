"""The survey funnel's two queries: the decisions of the ledger, and the invitations
recorded for them, each counted per touchpoint, channel, persona and period."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.models import policy_decision
from services.actions.surveys.models import survey_invitation

Period = Literal["day", "week", "month"]


class FunnelFilter:
    def __init__(
        self,
        since: datetime | None,
        until: datetime | None,
        touchpoint: str | None,
        channel: str | None,
        persona: str | None,
    ) -> None:
        self.since, self.until = since, until
        self.touchpoint, self.channel, self.persona = touchpoint, channel, persona

    def where(self) -> ColumnElement[bool]:
        d = policy_decision.c
        conditions: list[ColumnElement[bool]] = []
        if self.since is not None:
            conditions.append(d.at >= self.since)
        if self.until is not None:
            conditions.append(d.at < self.until)
        for column, value in ((d.touchpoint, self.touchpoint), (d.channel, self.channel)):
            if value is not None:
                conditions.append(column == value)
        if self.persona is not None:
            conditions.append(d.persona == self.persona)
        return and_(True, *conditions)


def _period(period: Period) -> Any:
    # Periods in UTC, starting at midnight, on Monday or on the 1st.
    return func.date_trunc(period, func.timezone("UTC", policy_decision.c.at)).label("period")


class FunnelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def decisions(self, filters: FunnelFilter, period: Period) -> list[tuple[Any, ...]]:
        """``(touchpoint, channel, persona, period, allowed, reason, count)`` rows."""
        d = policy_decision.c
        keys = (d.touchpoint, d.channel, d.persona, _period(period), d.allowed, d.reason)
        query = select(*keys, func.count().label("count")).where(filters.where())
        return [tuple(row) for row in await self.session.execute(query.group_by(*keys))]

    async def invitations(self, filters: FunnelFilter, period: Period) -> list[tuple[Any, ...]]:
        """``(touchpoint, channel, persona, period, invited, opened, answered,
        median_seconds)`` rows, by the decision each invitation answers."""
        d, i = policy_decision.c, survey_invitation.c
        keys = (d.touchpoint, d.channel, d.persona, _period(period))
        waited = extract("epoch", i.answered_at - i.created_at)
        query = (
            select(
                *keys,
                func.count().label("invited"),
                func.count()
                .filter(or_(i.opened_at.is_not(None), i.answered_at.is_not(None)))
                .label("opened"),
                func.count(i.answered_at).label("answered"),
                func.percentile_cont(0.5).within_group(waited).label("median_seconds"),
            )
            .select_from(survey_invitation.join(policy_decision, d.id == i.decision_id))
            .where(filters.where())
            .group_by(*keys)
        )
        return [tuple(row) for row in await self.session.execute(query)]
