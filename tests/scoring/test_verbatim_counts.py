"""The verbatim report from its day counts equals the report read from the verbatims, for
random verbatims, periods and filters, before and after erasures."""

from __future__ import annotations

import importlib.util
import random
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.models import verbatim, verbatim_day, verbatim_theme
from services.scoring.privacy.erasure import erase_customer
from services.scoring.voice.report import EXAMPLES, _emotions, _themes, verbatim_report
from services.scoring.voice.repository import window
from tests.conftest import unique
from tests.scoring.conftest import Scoring

# How the report read the verbatims themselves before the day counts: the reference.
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
    SELECT touchpoint, id, text, language FROM (
        SELECT v.touchpoint, t->>'id' AS id, v.text, v.language,
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

YEAR = 2041
THEMES = [("late-delivery", "root_cause"), ("rude-staff", "root_cause"), ("delivery", "touchpoint")]
EMOTIONS = ["anger", "joy", "disappointment", "gratitude"]


def _verbatim(rng: random.Random, customer: str, places: list[str], personas: list[Any]) -> dict:
    topics = [{"id": i, "kind": k, "sentiment": 0.1} for i, k in THEMES if rng.random() < 0.4]
    if topics and rng.random() < 0.05:
        topics.append(topics[0])  # a topic named twice counts twice, as the verbatims do
    at = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(120 * 86400))
    return {
        "event_id": unique("ev"),
        "customer_id": customer,
        "touchpoint": rng.choice([*places, None]),
        "occurred_at": at.replace(second=rng.choice([0, at.second])),  # some share an instant
        "persona": rng.choice(personas),
        "nps": rng.choice([None, *range(11)]),
        "text": unique("words"),
        "language": "en",
        "sentiment": round(rng.uniform(-1, 1), 3),
        "sentiment_class": "neutral",
        "emotions": {e: 0.5 for e in EMOTIONS if rng.random() < 0.3},
        "topics": topics,
        "terms": [],
    }


async def _reference(session: AsyncSession, start: date, end: date, tp: Any, persona: Any) -> Any:
    """The report as the verbatims themselves give it."""
    length = end - start + timedelta(days=1)
    since = datetime.combine(start, time.min, UTC)
    params = window(since - length, since, since + length, tp, persona)
    themes = list(await session.execute(_THEMES, params))
    examples = list(await session.execute(_EXAMPLES, {**params, "examples": EXAMPLES}))
    emotions = list(await session.execute(_EMOTIONS, params))
    return themes, _themes(themes, examples), _emotions(emotions)


def _tie(mean: float) -> bool:
    """A mean half-way between two thousandths: the float sum's order (PostgreSQL's scan
    order, for the reference) may round it either way."""
    return abs(abs(Decimal(mean)) * 1000 % 1 - Decimal("0.5")) < Decimal("1e-9")


async def _compare(session: AsyncSession, rng: random.Random, places: list, personas: list) -> int:
    """Compare the two for random periods and filters; return the themes compared."""
    compared = 0
    for _ in range(12):
        start = date(YEAR, 1, 1) + timedelta(days=rng.randrange(-10, 110))
        end = start + timedelta(days=rng.choice([0, 1, 6, 13, 30, 44]))
        tp, persona = rng.choice([None, *places]), rng.choice(personas)
        rows, themes, emotions = await _reference(session, start, end, tp, persona)
        report = await verbatim_report(session, start, end, tp, persona)
        means = {(r.touchpoint, r.id, r.kind, r.current): r.mean_sentiment for r in rows}
        found = {t.touchpoint: t.themes for t in report.touchpoints}
        assert list(found) == list(themes)
        for place, listed in themes.items():
            assert len(found[place]) == len(listed)
            for mine, theirs in zip(found[place], listed, strict=True):
                _same_theme(mine.model_dump(), theirs.model_dump(), means, place)
                compared += 1
        assert report.emotions == emotions
    return compared


def _same_theme(mine: dict, theirs: dict, means: dict, place: str) -> None:
    for field, current in (("mean_sentiment", True), ("previous_mean_sentiment", False)):
        a, b = mine.pop(field), theirs.pop(field)
        if a != b:
            assert _tie(means[(place, theirs["id"], theirs["kind"], current)]), (a, b)
            assert abs(a - b) < 0.0011
    assert mine == theirs


async def test_the_counted_report_equals_the_report_read_from_the_verbatims(
    scoring: Scoring,
) -> None:
    rng = random.Random(20411)
    places = [unique("tp") for _ in range(3)]
    personas = [None, unique("p").lower(), unique("p").lower()]
    customers = [unique("cust") for _ in range(40)]
    rows = [_verbatim(rng, rng.choice(customers), places, personas) for _ in range(1500)]
    async with scoring.sessions() as session, session.begin():
        for first in range(0, len(rows), 250):  # several statements, as batches write
            await session.execute(insert(verbatim), rows[first : first + 250])
    async with scoring.sessions() as session:
        assert await _compare(session, rng, places, personas) > 20

    async with scoring.sessions() as session, session.begin():
        for gone in customers[:15]:
            await erase_customer(session, gone, "erased:test")
        gone_ids = [r["event_id"] for r in rows if r["customer_id"] in customers[:15]]
        left = select(func.count()).where(verbatim_theme.c.event_id.in_(gone_ids))
        assert await session.scalar(left) == 0
    async with scoring.sessions() as session:
        assert await _compare(session, rng, places, personas) > 20


async def test_an_erasure_takes_its_verbatims_out_of_the_counts(scoring: Scoring) -> None:
    place, customer = unique("tp"), unique("cust")
    rng = random.Random(7)
    rows = [_verbatim(rng, customer, [place], [None]) | {"touchpoint": place} for _ in range(5)]
    day_rows = select(func.sum(verbatim_day.c.verbatims)).where(verbatim_day.c.touchpoint == place)
    async with scoring.sessions() as session, session.begin():
        await session.execute(insert(verbatim), rows)
        assert await session.scalar(day_rows) == 5
        await erase_customer(session, customer, "erased:test")
        assert await session.scalar(day_rows) == 0
        themes = select(func.count()).where(verbatim_theme.c.touchpoint == place)
        assert await session.scalar(themes) == 0


async def test_a_stored_verbatim_is_never_updated(scoring: Scoring) -> None:
    customer = unique("cust")
    row = _verbatim(random.Random(3), customer, [unique("tp")], [None])
    async with scoring.sessions() as session, session.begin():
        await session.execute(insert(verbatim), [row])
    async with scoring.sessions() as session:
        with pytest.raises(DBAPIError, match="not updated"):
            await session.execute(
                text("UPDATE scoring.verbatim SET nps = 1 WHERE event_id = :e"),
                {"e": row["event_id"]},
            )
        await session.rollback()
    async with scoring.sessions() as session, session.begin():
        await session.execute(delete(verbatim).where(verbatim.c.customer_id == customer))


def _migration() -> Any:
    path = (
        Path(__file__).parents[2] / "services/scoring/migrations/versions/0007_verbatim_counts.py"
    )
    spec = importlib.util.spec_from_file_location("verbatim_counts", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_COUNTED = {
    "verbatim_day": "verbatims <> 0 OR plain <> 0",
    "verbatim_emotion_day": "verbatims <> 0",
    "verbatim_theme_day": "volume <> 0",
    "verbatim_theme": "true",
}


async def _counted(session: AsyncSession) -> dict[str, list[Any]]:
    found = {}
    for table, kept in _COUNTED.items():
        query = text(f"SELECT * FROM scoring.{table} WHERE {kept} ORDER BY 1, 2, 3, 4")  # noqa: S608
        found[table] = [tuple(row) for row in await session.execute(query)]
    return found


async def test_the_migration_fills_the_counts_the_triggers_keep(scoring: Scoring) -> None:
    """Random verbatims, some erased; then, in a transaction rolled back, the counts
    emptied and filled again from the verbatims as migration 0007 does."""
    rng = random.Random(99)
    customers = [unique("cust") for _ in range(10)]
    rows = [_verbatim(rng, rng.choice(customers), [unique("tp")], [None, "p"]) for _ in range(300)]
    async with scoring.sessions() as session, session.begin():
        await session.execute(insert(verbatim), rows)
        await erase_customer(session, customers[0], "erased:test")
    migration = _migration()
    async with scoring.sessions() as session, session.begin():
        kept = await _counted(session)
        await session.execute(text(f"TRUNCATE {', '.join('scoring.' + t for t in _COUNTED)}"))
        await session.execute(text("SET LOCAL extra_float_digits = 1"))
        for statement in migration._counts("SELECT *, 1 AS sign FROM scoring.verbatim"):
            await session.execute(text(statement))
        await session.execute(text(migration._ADD_THEMES.format(source="scoring.verbatim")))
        assert await _counted(session) == kept
        await session.rollback()
