"""The positive : negative ratio of moments per touchpoint and persona, against the
journey map's target (``positive_negative_target``, positives per negative)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.stats.repository import StatsReads
from services.scoring.stats.schemas import DateSpan
from shared.journey import JourneyMap

DEFAULT_TARGET = 3.0


class MomentRatio(BaseModel):
    touchpoint: str
    persona: str | None = Field(description="null: customers with no known persona")
    positives: int
    negatives: int
    ratio: float | None = Field(description="positives per negative; null without negatives")
    meets_target: bool | None = Field(description="ratio ≥ target; null without moments")


class MomentRatioReport(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date
    target: float = Field(description="positives per negative, from the journey map")
    rows: list[MomentRatio]


async def moment_ratio(
    session: AsyncSession, journey_map: JourneyMap | None, span: DateSpan
) -> MomentRatioReport:
    """Every touchpoint and persona with moments in ``span``, by touchpoint then persona."""
    target = journey_map.positive_negative_target if journey_map else DEFAULT_TARGET
    rows = await StatsReads(session).counters(span, by=("touchpoint", "persona"))
    return MomentRatioReport(
        from_=span.start, to=span.end, target=target, rows=[_ratio(r, target) for r in rows]
    )


def _ratio(row: Row[Any], target: float) -> MomentRatio:
    positives, negatives = round(row.positives), round(row.negatives)
    ratio = positives / negatives if negatives else None
    meets = None if not positives + negatives else (ratio is None or ratio >= target)
    return MomentRatio(
        touchpoint=row.touchpoint,
        persona=row.persona or None,
        positives=positives,
        negatives=negatives,
        ratio=ratio,
        meets_target=meets,
    )
