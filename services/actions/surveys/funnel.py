"""The survey funnel: from the policy's decisions to the answers, per touchpoint, channel,
persona and period; and whether each persona is heard as much as it is asked."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.surveys.funnel_repository import FunnelFilter, FunnelRepository, Period
from services.actions.surveys.schemas import FunnelRow, PersonaShare, SurveyFunnel
from shared.reach import Ownership

Key = tuple[str, str, str | None, Any]  # touchpoint, channel, persona, period start


async def survey_funnel(
    session: AsyncSession, filters: FunnelFilter, period: Period, reach: Ownership
) -> SurveyFunnel:
    """The funnel's rows, of the touchpoints ``reach`` owns, and the personas' shares
    among them."""
    repo = FunnelRepository(session)
    rows: dict[Key, dict[str, Any]] = defaultdict(_empty)
    for touchpoint, channel, persona, start, allowed, reason, count in await repo.decisions(
        filters, period
    ):
        row = rows[(touchpoint, channel, persona, start)]
        row["decided"] += count
        if not allowed:
            row["suppressed"][reason] = row["suppressed"].get(reason, 0) + count
    for (
        touchpoint,
        channel,
        persona,
        start,
        invited,
        opened,
        answered,
        median,
    ) in await repo.invitations(filters, period):
        row = rows[(touchpoint, channel, persona, start)]
        row.update(invited=invited, opened=opened, answered=answered)
        row["median_hours_to_answer"] = None if median is None else round(median / 3600, 2)
    items = [
        _row(key, figures)
        for key, figures in sorted(rows.items(), key=_order)
        if reach.owns(key[0])
    ]
    return SurveyFunnel(period=period, rows=items, personas=persona_shares(items))


def _empty() -> dict[str, Any]:
    return {
        "decided": 0,
        "suppressed": {},
        "invited": 0,
        "opened": 0,
        "answered": 0,
        "median_hours_to_answer": None,
    }


def _order(item: tuple[Key, dict[str, Any]]) -> tuple[Any, ...]:
    touchpoint, channel, persona, start = item[0]
    return (start, touchpoint, channel, persona or "")


def _row(key: Key, figures: dict[str, Any]) -> FunnelRow:
    touchpoint, channel, persona, start = key
    invited, answered = figures["invited"], figures["answered"]
    return FunnelRow(
        touchpoint=touchpoint,
        channel=channel,
        persona=persona,
        period_start=start.date(),
        suppressed_total=sum(figures["suppressed"].values()),
        response_rate=round(answered / invited, 4) if invited else None,
        **figures,
    )


def persona_shares(rows: list[FunnelRow]) -> list[PersonaShare]:
    """Each persona's share of the answers against its share of the invitations: a
    persona answering less than it is asked is under-heard (gap < 0)."""
    invited: dict[str | None, int] = defaultdict(int)
    answered: dict[str | None, int] = defaultdict(int)
    for row in rows:
        invited[row.persona] += row.invited
        answered[row.persona] += row.answered
    total_invited, total_answered = sum(invited.values()), sum(answered.values())
    shares = []
    for persona in sorted(invited, key=lambda p: p or ""):
        if not invited[persona]:
            continue
        invited_share = invited[persona] / total_invited
        answering_share = answered[persona] / total_answered if total_answered else None
        shares.append(
            PersonaShare(
                persona=persona,
                invited=invited[persona],
                answered=answered[persona],
                invited_share=round(invited_share, 4),
                answering_share=None if answering_share is None else round(answering_share, 4),
                gap=None if answering_share is None else round(answering_share - invited_share, 4),
            )
        )
    return shares
