"""The survey funnel's two queries: the decisions of the ledger, and the invitations
recorded for them, each counted per touchpoint, channel, persona and period."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Select, and_, bindparam, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.models import policy_decision
from services.actions.surveys.models import survey_invitation
from shared.db.shapes import given

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

    def shaped(self) -> tuple[tuple[str, ...], dict[str, Any]]:
        """The filters given, and their values (``shared.db.shapes.given``)."""
        return given({name: getattr(self, name) for name in _TESTS})


_d = policy_decision.c
_TESTS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "since": lambda: _d.at >= bindparam("since"),
    "until": lambda: _d.at < bindparam("until"),
    "touchpoint": lambda: _d.touchpoint == bindparam("touchpoint"),
    "channel": lambda: _d.channel == bindparam("channel"),
    "persona": lambda: _d.persona == bindparam("persona"),
}


def _where(shape: tuple[str, ...]) -> ColumnElement[bool]:
    return and_(True, *(_TESTS[name]() for name in shape))


def _period(period: Period) -> Any:
    # Periods in UTC, starting at midnight, on Monday or on the 1st.
    return func.date_trunc(period, func.timezone("UTC", policy_decision.c.at)).label("period")


class FunnelRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def decisions(self, filters: FunnelFilter, period: Period) -> list[tuple[Any, ...]]:
        """``(touchpoint, channel, persona, period, allowed, reason, count)`` rows."""
        shape, values = filters.shaped()
        return [
            tuple(row)
            for row in await self.session.execute(_decisions_query(shape, period), values)
        ]

    async def invitations(self, filters: FunnelFilter, period: Period) -> list[tuple[Any, ...]]:
        """``(touchpoint, channel, persona, period, invited, opened, answered,
        median_seconds)`` rows, by the decision each invitation answers."""
        shape, values = filters.shaped()
        return [
            tuple(row)
            for row in await self.session.execute(_invitations_query(shape, period), values)
        ]


# Each statement built once per shape of filter (shared.db.shapes) and period.
@functools.cache
def _decisions_query(shape: tuple[str, ...], period: Period) -> Select[Any]:
    d = policy_decision.c
    keys = (d.touchpoint, d.channel, d.persona, _period(period), d.allowed, d.reason)
    return select(*keys, func.count().label("count")).where(_where(shape)).group_by(*keys)


@functools.cache
def _invitations_query(shape: tuple[str, ...], period: Period) -> Select[Any]:
    d, i = policy_decision.c, survey_invitation.c
    keys = (d.touchpoint, d.channel, d.persona, _period(period))
    waited = extract("epoch", i.answered_at - i.created_at)
    return (
        select(
            *keys,
            func.count().label("invited"),
            func.count()
            .filter(or_(i.opened_at.is_not(None), i.answered_at.is_not(None)))
            .label("opened"),
            func.count(i.answered_at).label("answered"),
            func.percentile_cont(0.5).within_group(waited).label("median_seconds"),
        )
        # an invitation is recorded for an allowed decision only: the refusals, most of a
        # period's ledger, are passed over in the index
        .select_from(survey_invitation.join(policy_decision, d.id == i.decision_id))
        .where(d.allowed, _where(shape))
        .group_by(*keys)
    )
