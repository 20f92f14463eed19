"""The customer's experience as ops read it: score, counts, contributions, timeline."""

from __future__ import annotations

import base64
import json
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.experience import formulas
from services.scoring.experience.repository import ExperienceReads
from services.scoring.experience.schemas import (
    Contribution,
    Experience,
    Timeline,
    TimelineEntry,
    TouchpointValence,
    VerbatimRead,
)
from shared.cursor import cursor_time
from shared.problems import ProblemError

POLARITY_NAME = {-1: "negative", 0: "neutral", 1: "positive"}


async def experience_of(
    session: AsyncSession, settings: ScoringSettings, customer_id: str, top: int = 10
) -> Experience:
    """:raises ProblemError: 404 for a customer with no state."""
    reads = ExperienceReads(session)
    row = await reads.customer(customer_id)
    if row is None:
        raise ProblemError(404, "Not found", f"no experience recorded for {customer_id!r}")
    half_life_s = settings.half_life_days * 86400
    sums = formulas.DecayedSums(row.s, row.w, row.t_ref)
    contributions = []
    if sums.t is not None and sums.w > 0:
        heaviest = await reads.heaviest(customer_id, sums.t, half_life_s, top)
        now = max(datetime.now(UTC), sums.t)
        words = await reads.verbatims([s.event_id for s in heaviest])
        contributions = [_contribution(s, sums, now, words.get(s.event_id)) for s in heaviest]
    latest = await reads.latest_by_touchpoint(customer_id)
    return Experience(
        customer_id=customer_id,
        lxi=sums.lxi,
        signals=row.signals,
        positives=row.positives,
        negatives=row.negatives,
        positive_negative_ratio=row.positives / row.negatives if row.negatives else None,
        last_nps=row.last_nps,
        last_nps_class=formulas.nps_class(row.last_nps) if row.last_nps is not None else None,
        persona=row.persona,
        value_tier=row.value_tier,
        touchpoints=[
            TouchpointValence(
                touchpoint=r.touchpoint,
                valence=r.valence,
                occurred_at=r.occurred_at,
                event_id=r.event_id,
            )
            for r in latest
        ],
        contributions=contributions,
    )


def _contribution(
    signal: Any, sums: formulas.DecayedSums, now: datetime, words: VerbatimRead | None
) -> Contribution:
    return Contribution(
        event_id=signal.event_id,
        source=signal.source,
        touchpoint=signal.touchpoint,
        occurred_at=signal.occurred_at,
        age_days=(now - signal.occurred_at).total_seconds() / 86400,
        valence=signal.valence,
        weight=signal.weight,
        effective_weight=signal.effective,
        share=signal.effective / sums.w,
        points=50.0 * signal.effective * signal.valence / sums.w,
        verbatim=words,
    )


async def timeline_of(
    session: AsyncSession,
    settings: ScoringSettings,
    customer_id: str,
    cursor: str | None,
    limit: int,
) -> Timeline:
    """Signals in occurrence order with the LXI after each, whatever their arrival order.

    The cursor carries the running sums, so every page continues the exact computation.
    """
    reads = ExperienceReads(session)
    if cursor is None and await reads.customer(customer_id) is None:
        raise ProblemError(404, "Not found", f"no experience recorded for {customer_id!r}")
    position, sums = _decode_cursor(cursor)
    rows = await reads.signals_after(customer_id, position, limit + 1)
    half_life_s = settings.half_life_days * 86400
    words = await reads.verbatims([row.event_id for row in rows[:limit]])
    entries = []
    for row in rows[:limit]:
        sums = sums.add(row.weight, row.valence, row.occurred_at, half_life_s)
        assert sums.lxi is not None
        entries.append(
            TimelineEntry(
                event_id=row.event_id,
                source=row.source,
                touchpoint=row.touchpoint,
                occurred_at=row.occurred_at,
                valence=row.valence,
                weight=row.weight,
                polarity=POLARITY_NAME[row.polarity],
                moment_of_truth=row.moment_of_truth,
                lxi_after=sums.lxi,
                verbatim=words.get(row.event_id),
            )
        )
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    next_cursor = _encode_cursor((last.occurred_at, last.event_id), sums) if last else None
    return Timeline(customer_id=customer_id, entries=entries, next_cursor=next_cursor)


def _encode_cursor(position: tuple[datetime, str], sums: formulas.DecayedSums) -> str:
    assert sums.t is not None
    state = {
        "at": position[0].isoformat(),
        "id": position[1],
        "s": sums.s,
        "w": sums.w,
        "t": sums.t.isoformat(),
    }
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[tuple[datetime, str] | None, formulas.DecayedSums]:
    if cursor is None:
        return None, formulas.DecayedSums()
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        position = (cursor_time(state["at"]), str(state["id"]))
        sums = formulas.DecayedSums(float(state["s"]), float(state["w"]), cursor_time(state["t"]))
        if not (math.isfinite(sums.w) and sums.w >= 0 and abs(sums.s) <= sums.w * (1 + 1e-9)):
            raise ValueError("sums no timeline makes: every valence lies in [-1, 1]")
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "Invalid cursor", "use next_cursor as returned") from exc
    return position, sums
