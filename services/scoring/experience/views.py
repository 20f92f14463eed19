"""The customer's experience as ops read it: score, counts, contributions, timeline."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.experience import formulas
from services.scoring.experience.repository import (
    ExperienceReads,
    HeavySignal,
    VerbatimColumns,
    read_experience,
)
from services.scoring.experience.schemas import (
    Contribution,
    Experience,
    OtherSignals,
    Timeline,
    TimelineEntry,
    TouchpointValence,
    VerbatimRead,
)
from shared.cursor import CursorSigner, Listing, cursor_time, invalid_cursor
from shared.problems import ProblemError

POLARITY_NAME = {-1: "negative", 0: "neutral", 1: "positive"}


async def experience_of(
    pool: Any, settings: ScoringSettings, customer_id: str, top: int = 10
) -> Experience:
    """The customer's experience, read in one statement on a connection of ``pool``
    (``shared.db.pool``).

    :raises ProblemError: 404 for a customer with no state.
    """
    half_life_s = settings.half_life_days * 86400
    async with pool.acquire() as connection:
        found = await read_experience(connection, customer_id, half_life_s, top)
    if found is None:
        raise ProblemError(404, "Not found", f"no experience recorded for {customer_id!r}")
    row = found.state
    sums = formulas.DecayedSums(row["s"], row["w"], row["t_ref"])
    now = datetime.now(UTC) if sums.t is None else max(datetime.now(UTC), sums.t)
    last_nps = row["last_nps"]
    contributions = [_contribution(s, sums, now) for s in found.heaviest]
    return Experience(
        customer_id=customer_id,
        lxi=sums.lxi,
        signals=row["signals"],
        positives=row["positives"],
        negatives=row["negatives"],
        positive_negative_ratio=row["positives"] / row["negatives"] if row["negatives"] else None,
        last_nps=last_nps,
        last_nps_class=formulas.nps_class(last_nps) if last_nps is not None else None,
        persona=row["persona"],
        value_tier=row["value_tier"],
        touchpoints=[TouchpointValence(**latest._asdict()) for latest in found.latest],
        contributions=contributions,
        other_signals=_others(contributions, row["signals"], sums),
    )


def _contribution(signal: HeavySignal, sums: formulas.DecayedSums, now: datetime) -> Contribution:
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
        verbatim=_verbatim(signal.verbatim),
    )


def _others(
    listed: list[Contribution], signals: int, sums: formulas.DecayedSums
) -> OtherSignals | None:
    """What the signals not listed weigh together: the sums less the listed ones (signals
    past their retention included: their weight stays in the sums)."""
    lxi = sums.lxi
    if signals <= len(listed) or lxi is None:
        return None
    return OtherSignals(
        signals=signals - len(listed),
        share=1.0 - math.fsum(c.share for c in listed),
        points=(lxi - 50.0) - math.fsum(c.points for c in listed),
    )


def _verbatim(words: VerbatimColumns | None) -> VerbatimRead | None:
    if words is None:
        return None
    return VerbatimRead(
        text=words.text,
        language=words.language,
        sentiment=words.sentiment,
        sentiment_class=words.sentiment_class,
        emotions=json.loads(words.emotions),
        topics=json.loads(words.topics),
    )


async def timeline_of(
    session: AsyncSession,
    settings: ScoringSettings,
    cursors: CursorSigner,
    customer_id: str,
    cursor: str | None,
    limit: int,
) -> Timeline:
    """Signals in occurrence order with the LXI after each, whatever their arrival order.

    The cursor carries the running sums, so every page continues the exact computation: it
    is signed for this customer's timeline, as what it carries makes the score reported.

    :raises ProblemError: 404 for a customer with no state; 400 for a cursor not given by
        this customer's timeline.
    """
    reads = ExperienceReads(session)
    if cursor is None and await reads.customer(customer_id) is None:
        raise ProblemError(404, "Not found", f"no experience recorded for {customer_id!r}")
    listing = ("timeline", customer_id)
    position, sums = _decode_cursor(cursors, listing, cursor)
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
    if last is None:
        return Timeline(customer_id=customer_id, entries=entries, next_cursor=None)
    next_cursor = _encode_cursor(cursors, listing, (last.occurred_at, last.event_id), sums)
    return Timeline(customer_id=customer_id, entries=entries, next_cursor=next_cursor)


def _encode_cursor(
    cursors: CursorSigner,
    listing: Listing,
    position: tuple[datetime, str],
    sums: formulas.DecayedSums,
) -> str:
    assert sums.t is not None
    state = {
        "at": position[0].isoformat(),
        "id": position[1],
        "s": sums.s,
        "w": sums.w,
        "t": sums.t.isoformat(),
    }
    return cursors.sign(listing, state)


def _decode_cursor(
    cursors: CursorSigner, listing: Listing, cursor: str | None
) -> tuple[tuple[datetime, str] | None, formulas.DecayedSums]:
    if cursor is None:
        return None, formulas.DecayedSums()
    state = cursors.read(listing, cursor)  # signed: what follows only guards against a bug
    try:
        position = (cursor_time(state["at"]), str(state["id"]))
        sums = formulas.DecayedSums(float(state["s"]), float(state["w"]), cursor_time(state["t"]))
        if not (math.isfinite(sums.w) and sums.w >= 0 and abs(sums.s) <= sums.w * (1 + 1e-9)):
            raise ValueError("sums no timeline makes: every valence lies in [-1, 1]")
    except (ValueError, KeyError, TypeError) as exc:
        raise invalid_cursor() from exc
    return position, sums
