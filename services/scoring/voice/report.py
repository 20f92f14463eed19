"""``GET /v1/reports/verbatims``: what customers write about, per touchpoint and period.

Themes are the topics the analyser found (the map's root causes and touchpoints, as the
taxonomy stood when each verbatim was scored). The previous period is as long as the one
asked for and ends the day before it starts.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.voice.repository import VerbatimReads, window

EXAMPLES = 3
EXAMPLE_CHARS = 300
_MARK = " [...]"


class Quote(BaseModel):
    text: str = Field(description=f"redacted, cut at {EXAMPLE_CHARS} characters")
    language: str = Field(description="as the analysis read it: fr, en or und")


class Theme(BaseModel):
    id: str
    kind: str = Field(description="root_cause or touchpoint")
    volume: int = Field(description="verbatims that name it in the period")
    mean_sentiment: float | None
    detractor_share: float | None = Field(
        description="NPS 0-6 among its verbatims that came with an NPS; null without any"
    )
    previous_volume: int
    previous_mean_sentiment: float | None
    trend: float | None = Field(
        description="volume / previous volume − 1 (0.5: half as many again); null if none before"
    )
    examples: list[Quote] = Field(description=f"up to {EXAMPLES} of the newest verbatims")


class TouchpointVerbatims(BaseModel):
    touchpoint: str
    themes: list[Theme] = Field(description="the busiest first")


class PersonaEmotions(BaseModel):
    touchpoint: str
    persona: str | None
    verbatims: int
    emotions: dict[str, int] = Field(description="verbatims that show each emotion")


class VerbatimReport(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date
    previous_from: date
    previous_to: date
    touchpoints: list[TouchpointVerbatims]
    emotions: list[PersonaEmotions] = Field(description="by touchpoint and persona")


async def verbatim_report(
    session: AsyncSession, start: date, end: date, touchpoint: str | None, persona: str | None
) -> VerbatimReport:
    length = end - start + timedelta(days=1)
    since = datetime.combine(start, time.min, UTC)
    params = window(since - length, since, since + length, touchpoint, persona)
    reads = VerbatimReads(session)
    rows = await reads.themes(params)
    current = dict.fromkeys((row.touchpoint, row.id) for row in rows if row.current)
    themes = _themes(rows, await reads.examples(params, EXAMPLES, list(current)))
    return VerbatimReport(
        from_=start,
        to=end,
        previous_from=start - length,
        previous_to=start - timedelta(days=1),
        touchpoints=[TouchpointVerbatims(touchpoint=t, themes=v) for t, v in themes.items()],
        emotions=_emotions(await reads.emotions(params)),
    )


def _themes(rows: list[Row[Any]], examples: list[Row[Any]]) -> dict[str, list[Theme]]:
    quotes: dict[tuple[str, str], list[Quote]] = defaultdict(list)
    for row in examples:
        quotes[(row.touchpoint, row.id)].append(Quote(text=_quote(row.text), language=row.language))
    previous = {(r.touchpoint, r.id): r for r in rows if not r.current}
    found: dict[str, list[Theme]] = defaultdict(list)
    for row in (r for r in rows if r.current):
        before = previous.get((row.touchpoint, row.id))
        found[row.touchpoint].append(_theme(row, before, quotes[(row.touchpoint, row.id)]))
    return found


def _theme(row: Row[Any], before: Row[Any] | None, examples: list[Quote]) -> Theme:
    earlier = int(before.volume) if before else 0
    return Theme(
        id=row.id,
        kind=row.kind,
        volume=row.volume,
        mean_sentiment=round(row.mean_sentiment, 3),
        detractor_share=row.detractors / row.with_nps if row.with_nps else None,
        previous_volume=earlier,
        previous_mean_sentiment=round(before.mean_sentiment, 3) if before else None,
        trend=row.volume / earlier - 1 if earlier else None,
        examples=examples,
    )


def _emotions(rows: list[Row[Any]]) -> list[PersonaEmotions]:
    groups: dict[tuple[str, str], PersonaEmotions] = {}
    for row in rows:
        key = (row.touchpoint, row.persona)
        group = groups.setdefault(
            key,
            PersonaEmotions(touchpoint=key[0], persona=key[1] or None, verbatims=0, emotions={}),
        )
        if row.total:
            group.verbatims = row.n
        elif row.emotion is not None:
            group.emotions[row.emotion] = row.n
    return list(groups.values())


def _quote(text: str) -> str:
    return text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + _MARK
