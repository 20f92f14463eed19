"""``GET /v1/reports/emerging-irritants``: candidate root causes for the committee.

A term (a lemma, or two neighbouring ones) is a candidate at a touchpoint when, among its
verbatims, it appears in at least EMERGING_MIN_COUNT of the last EMERGING_RECENT_DAYS,
more often than in the EMERGING_BASELINE_DAYS before, with a log-likelihood G² of at least
EMERGING_MIN_G2, and no root cause or touchpoint of the map names any of its words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.voice.repository import term_counts, window
from services.scoring.voice.terms import covered
from services.scoring.voice.topics import Taxonomy
from shared.emerging import log_likelihood, rising

MAX_PER_TOUCHPOINT = 20


class EmergingTerm(BaseModel):
    touchpoint: str
    term: str = Field(description="a lemma, or two neighbouring lemmas")
    recent: int = Field(description="recent verbatims of the touchpoint that hold it")
    recent_total: int
    baseline: int = Field(description="verbatims of the baseline period that hold it")
    baseline_total: int
    g2: float = Field(description="log-likelihood G² of recent against baseline")


class EmergingIrritants(BaseModel):
    recent_from: datetime
    baseline_from: datetime
    until: datetime
    min_count: int
    min_g2: float
    candidates: list[EmergingTerm] = Field(description="by touchpoint, strongest G² first")


async def emerging_irritants(
    session: AsyncSession, settings: ScoringSettings, taxonomy: Taxonomy, touchpoint: str | None
) -> EmergingIrritants:
    until = datetime.now(UTC)
    since = until - timedelta(days=settings.emerging_recent_days)
    before = since - timedelta(days=settings.emerging_baseline_days)
    params = {
        **window(before, since, until, touchpoint, None),
        "min_count": settings.emerging_min_count,
    }
    found = []
    for row in await term_counts(session, params):
        counts = (row.recent, row.recent_total, row.base, row.base_total)
        g2 = log_likelihood(*counts)
        if g2 >= settings.emerging_min_g2 and rising(*counts) and not covered(row.term, taxonomy):
            found.append(
                EmergingTerm(
                    touchpoint=row.touchpoint,
                    term=row.term,
                    recent=row.recent,
                    recent_total=row.recent_total,
                    baseline=row.base,
                    baseline_total=row.base_total,
                    g2=round(g2, 2),
                )
            )
    found.sort(key=lambda t: (t.touchpoint, -t.g2, t.term))
    return EmergingIrritants(
        recent_from=since,
        baseline_from=before,
        until=until,
        min_count=settings.emerging_min_count,
        min_g2=settings.emerging_min_g2,
        candidates=_top(found),
    )


def _top(found: list[EmergingTerm]) -> list[EmergingTerm]:
    kept: dict[str, int] = {}
    result = []
    for term in found:
        kept[term.touchpoint] = kept.get(term.touchpoint, 0) + 1
        if kept[term.touchpoint] <= MAX_PER_TOUCHPOINT:
            result.append(term)
    return result
