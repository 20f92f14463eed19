"""Reads over the stored verbatims for the reports; the sums are done by PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

# A theme is a topic of a verbatim's analysis; the period is "current" from :since, else
# "previous". Detractors are counted among the verbatims that came with an NPS.
_THEMES = text(
    """
    SELECT v.touchpoint, t->>'id' AS id, t->>'kind' AS kind,
           v.occurred_at >= :since AS current,
           count(*) AS volume, avg(v.sentiment) AS mean_sentiment,
           count(*) FILTER (WHERE v.nps <= 6) AS detractors, count(v.nps) AS with_nps
    FROM scoring.verbatim v, jsonb_array_elements(v.topics) t
    WHERE v.occurred_at >= :before AND v.occurred_at < :until AND v.touchpoint IS NOT NULL
      AND (CAST(:touchpoint AS text) IS NULL OR v.touchpoint = :touchpoint)
      AND (CAST(:persona AS text) IS NULL OR v.persona = :persona)
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 5 DESC, 2
    """
)
# The newest three verbatims of each theme in the current period.
_EXAMPLES = text(
    """
    SELECT touchpoint, id, text FROM (
        SELECT v.touchpoint, t->>'id' AS id, v.text,
               row_number() OVER (PARTITION BY v.touchpoint, t->>'id'
                                  ORDER BY v.occurred_at DESC, v.event_id) AS n
        FROM scoring.verbatim v, jsonb_array_elements(v.topics) t
        WHERE v.occurred_at >= :since AND v.occurred_at < :until AND v.touchpoint IS NOT NULL
          AND (CAST(:touchpoint AS text) IS NULL OR v.touchpoint = :touchpoint)
          AND (CAST(:persona AS text) IS NULL OR v.persona = :persona)
    ) ranked WHERE n <= :examples ORDER BY touchpoint, id, n
    """
)
# Verbatims and each emotion's count per touchpoint and persona in the current period. A
# verbatim is one row (its event id is the key) and its emotions are distinct keys, so plain
# counts are exact: no DISTINCT, hence no sort, in either part.
_EMOTIONS = text(
    """
    WITH v AS (
        SELECT v.touchpoint, coalesce(v.persona, '') AS persona, v.emotions
        FROM scoring.verbatim v
        WHERE v.occurred_at >= :since AND v.occurred_at < :until AND v.touchpoint IS NOT NULL
          AND (CAST(:touchpoint AS text) IS NULL OR v.touchpoint = :touchpoint)
          AND (CAST(:persona AS text) IS NULL OR v.persona = :persona)
    )
    SELECT touchpoint, persona, NULL AS emotion, true AS total, count(*) AS n
    FROM v GROUP BY 1, 2
    UNION ALL
    SELECT v.touchpoint, v.persona, e.key, false, count(*)
    FROM v LEFT JOIN LATERAL jsonb_each(v.emotions) e ON true
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 4 DESC, 5 DESC, 3
    """
)


class VerbatimReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def themes(self, window: dict[str, Any]) -> list[Row[Any]]:
        """Per touchpoint, theme and period (``current``), from ``before`` to ``until``."""
        return list(await self.session.execute(_THEMES, window))

    async def examples(self, window: dict[str, Any], count: int) -> list[Row[Any]]:
        return list(await self.session.execute(_EXAMPLES, {**window, "examples": count}))

    async def emotions(self, window: dict[str, Any]) -> list[Row[Any]]:
        """Per touchpoint and persona: a ``total`` row (every verbatim), then a row per
        emotion (emotion None: the verbatims that show none)."""
        return list(await self.session.execute(_EMOTIONS, window))


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
