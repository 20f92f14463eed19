"""``GET /v1/reports/committee``: the reports the committee's page shows, read together.

One call instead of six for a page that shows them all: the four dimensions, the trends
per touchpoint and period, the positive : negative ratio, C2ES and the verbatims, over the
same period and from the same daily counters, each exactly as its own endpoint answers.
The four dimensions and C2ES are made from one read of the counters per touchpoint.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.stats.ratio import MomentRatioReport, moment_ratio
from services.scoring.stats.repository import StatsReads
from services.scoring.stats.schemas import C2esReport, FourDimensions, StatsQuery, StatsRow
from services.scoring.stats.views import c2es_of, dimensions_of, map_touchpoint_stats
from services.scoring.voice.report import VerbatimReport, verbatim_report
from shared.journey import JourneyMap


class CommitteeReport(BaseModel):
    from_: date = Field(serialization_alias="from")
    to: date
    persona: str | None = Field(description="the persona the parts that take one are for")
    four_dimensions: FourDimensions | None = Field(
        description="as `GET /v1/reports/four-dimensions`; null before any journey map"
    )
    trends: list[StatsRow] = Field(
        description="per touchpoint of the map and period, as `GET /v1/journeys/{id}/stats` "
        "grouped by touchpoint; empty before any journey map"
    )
    moment_ratio: MomentRatioReport = Field(
        description="as `GET /v1/reports/moment-ratio`: every persona's"
    )
    c2es: C2esReport = Field(description="as `GET /v1/reports/c2es`")
    verbatims: VerbatimReport = Field(description="as `GET /v1/reports/verbatims`")


async def committee_report(
    session: AsyncSession, journey_map: JourneyMap | None, query: StatsQuery
) -> CommitteeReport:
    """The parts over ``query``'s span, for its persona where a part takes one; the trends
    in its granularity."""
    span, persona = query.span, query.persona
    # the four dimensions and C2ES both sum the counters per touchpoint: read once
    per_touchpoint = await StatsReads(session).counters(span, by=("touchpoint",), persona=persona)
    dimensions = dimensions_of(journey_map, span, per_touchpoint) if journey_map else None
    return CommitteeReport(
        from_=span.start,
        to=span.end,
        persona=persona,
        four_dimensions=dimensions,
        trends=await map_touchpoint_stats(session, journey_map, query),
        moment_ratio=await moment_ratio(session, journey_map, span),
        c2es=c2es_of(span, per_touchpoint),
        verbatims=await verbatim_report(session, span.start, span.end, None, persona),
    )
