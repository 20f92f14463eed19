"""Reads over the stored verbatims for the reports; the sums are done by PostgreSQL."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

# The counts are kept per UTC day (models.verbatim_day and beside it) and the periods are
# whole days, so each part sums the day rows of its periods: its cost grows with the days,
# touchpoints and themes, not with the verbatims. Rows that erasures brought to zero stay
# and are left out by HAVING.
#
# A theme is a topic of a verbatim's analysis; the period is "current" from :since, else
# "previous". Detractors are counted among the verbatims that came with an NPS. The mean
# sentiment is the exact sum over the count, then the float nearest to it.
_THEMES = text(
    """
    SELECT touchpoint, theme AS id, kind, day >= :since_day AS current,
           sum(volume) AS volume, CAST(sum(sentiment) / sum(volume) AS float8) AS mean_sentiment,
           sum(detractors) AS detractors, sum(with_nps) AS with_nps
    FROM scoring.verbatim_theme_day
    WHERE day >= :before_day AND day < :until_day
      AND (CAST(:touchpoint AS text) IS NULL OR touchpoint = :touchpoint)
      AND (CAST(:persona AS text) IS NULL OR persona = :persona)
    GROUP BY 1, 2, 3, 4 HAVING sum(volume) > 0
    ORDER BY 1, 5 DESC, 2
    """
)
# The newest three verbatims of each of the themes given (the current period's, from the
# themes' read): per theme, an index read of its newest (verbatim_theme_time, backwards)
# stopped at three, then their texts by event id.
_EXAMPLES = text(
    """
    SELECT t.touchpoint, t.theme AS id, v.text, v.language
    FROM unnest(CAST(:touchpoints AS text[]), CAST(:themes AS text[])) AS t (touchpoint, theme)
    CROSS JOIN LATERAL (
        SELECT x.event_id, x.occurred_at FROM scoring.verbatim_theme x
        WHERE x.touchpoint = t.touchpoint AND x.theme = t.theme
          AND x.occurred_at >= :since AND x.occurred_at < :until
          AND (CAST(:persona AS text) IS NULL OR x.persona = :persona)
        ORDER BY x.occurred_at DESC, x.event_id LIMIT :examples
    ) e JOIN scoring.verbatim v ON v.event_id = e.event_id
    ORDER BY 1, 2, e.occurred_at DESC, e.event_id
    """
)
# Verbatims, those that show no emotion (emotion NULL) and each emotion's count per
# touchpoint and persona ('': none) in the current period.
_EMOTIONS = text(
    """
    WITH days AS (
        SELECT * FROM scoring.verbatim_day
        WHERE day >= :since_day AND day < :until_day
      AND (CAST(:touchpoint AS text) IS NULL OR touchpoint = :touchpoint)
      AND (CAST(:persona AS text) IS NULL OR persona = :persona)
    )
    SELECT touchpoint, persona, NULL AS emotion, true AS total, sum(verbatims) AS n
    FROM days GROUP BY 1, 2 HAVING sum(verbatims) > 0
    UNION ALL
    SELECT touchpoint, persona, NULL, false, sum(plain)
    FROM days GROUP BY 1, 2 HAVING sum(plain) > 0
    UNION ALL
    SELECT touchpoint, persona, emotion, false, sum(verbatims)
    FROM scoring.verbatim_emotion_day
    WHERE day >= :since_day AND day < :until_day
      AND (CAST(:touchpoint AS text) IS NULL OR touchpoint = :touchpoint)
      AND (CAST(:persona AS text) IS NULL OR persona = :persona)
    GROUP BY 1, 2, 3 HAVING sum(verbatims) > 0
    ORDER BY 1, 2, 4 DESC, 5 DESC, 3
    """
)


class VerbatimReads:
    """The reads take a ``window(...)`` whose instants are UTC midnights (the report's
    periods are whole days): the counts are kept per day."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def themes(self, window: dict[str, Any]) -> list[Row[Any]]:
        """Per touchpoint, theme and period (``current``), from ``before`` to ``until``."""
        return list(await self.session.execute(_THEMES, _days(window)))

    async def examples(
        self, window: dict[str, Any], count: int, themes: Collection[tuple[str, str]]
    ) -> list[Row[Any]]:
        """The newest ``count`` verbatims of each of ``themes`` (touchpoint, theme id) in
        the current period, newest first."""
        params = {
            **window,
            "examples": count,
            "touchpoints": [touchpoint for touchpoint, _ in themes],
            "themes": [theme for _, theme in themes],
        }
        return list(await self.session.execute(_EXAMPLES, params))

    async def emotions(self, window: dict[str, Any]) -> list[Row[Any]]:
        """Per touchpoint and persona: a ``total`` row (every verbatim), then a row per
        emotion (emotion None: the verbatims that show none)."""
        return list(await self.session.execute(_EMOTIONS, _days(window)))


def _days(window: dict[str, Any]) -> dict[str, Any]:
    """``window`` with the day of each of its instants (``before_day``...), which must be
    UTC midnights."""
    days = {}
    for name in ("before", "since", "until"):
        instant = window[name].astimezone(UTC)
        if instant.time() != time.min:
            raise ValueError(f"the verbatim counts are per UTC day: {name} is {instant}")
        days[f"{name}_day"] = instant.date()
    return {**window, **days}


def window(
    before: datetime, since: datetime, until: datetime, touchpoint: str | None, persona: str | None
) -> dict[str, Any]:
    """The parameters of every query: the previous period [before, since), the current
    [since, until)."""
    return {
        "before": before,
        "since": since,
        "until": until,
        "touchpoint": touchpoint,
        "persona": persona,
    }


# Per touchpoint and term: verbatims that hold it, recent and in the baseline, beside the
# touchpoint's verbatims in each period; terms under the minimum recent count left out.
_TERM_COUNTS = text(
    """
    WITH v AS (
        SELECT touchpoint, occurred_at >= :since AS recent, terms FROM scoring.verbatim
        WHERE occurred_at >= :before AND occurred_at < :until AND touchpoint IS NOT NULL
          AND (CAST(:touchpoint AS text) IS NULL OR touchpoint = :touchpoint)
    ), totals AS (
        SELECT touchpoint, count(*) FILTER (WHERE recent) AS recent_total,
               count(*) FILTER (WHERE NOT recent) AS base_total
        FROM v GROUP BY touchpoint
    ), counts AS (
        SELECT touchpoint, term, count(*) FILTER (WHERE recent) AS recent,
               count(*) FILTER (WHERE NOT recent) AS base
        FROM v, unnest(v.terms) AS term GROUP BY touchpoint, term
        HAVING count(*) FILTER (WHERE recent) >= :min_count
    )
    SELECT c.touchpoint, c.term, c.recent, c.base, t.recent_total, t.base_total
    FROM counts c JOIN totals t USING (touchpoint)
    """
)


async def term_counts(session: AsyncSession, params: dict[str, Any]) -> list[Row[Any]]:
    """``params``: ``window(...)`` and ``min_count``."""
    return list(await session.execute(_TERM_COUNTS, params))
