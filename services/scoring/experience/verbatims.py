"""A survey response's verbatim: analysed once in the batch, stored, carried on its moment.

The analysis and terms cost about 0.1 ms a verbatim; they run once per new signal, never
again for a redelivered one (whose stored row is read back instead), and while PostgreSQL
answers the batch's reads (``read_verbatims``), so that their CPU overlaps its round trips.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from services.scoring.voice.analyser import Analysis, analyse
from services.scoring.voice.terms import terms_of, uncovered
from services.scoring.voice.topics import Taxonomy
from shared.events.schemas import (
    TERM_CHARS,
    SurveyAnswered,
    Verbatim,
    VerbatimTopic,
    capped_verbatim,
)


class VerbatimRow(TypedDict):
    """A row of ``verbatim``."""

    event_id: str
    customer_id: str
    touchpoint: str | None
    occurred_at: datetime
    persona: str | None
    nps: int | None
    text: str
    language: str
    sentiment: float
    sentiment_class: str
    emotions: dict[str, float]
    topics: list[dict[str, Any]]
    terms: list[str]


@dataclass(frozen=True)
class Words:
    """A verbatim read: its analysis and its terms."""

    analysis: Analysis
    terms: list[str]


def read_words(event: SurveyAnswered, taxonomy: Taxonomy) -> Words:
    """``event``'s verbatim (which it must have) read against ``taxonomy``."""
    assert event.verbatim is not None
    found = analyse(event.verbatim, event.language, taxonomy)
    return Words(found, terms_of(event.verbatim, found.language, found.words))


async def read_verbatims(events: Iterable[object], taxonomy: Taxonomy) -> dict[str, Words]:
    """The verbatims of the survey responses among ``events``, by event id; the event loop
    runs between two, so the batch's queries started before go on meanwhile."""
    read: dict[str, Words] = {}
    for event in events:
        if isinstance(event, SurveyAnswered) and event.verbatim:
            read[event.event_id] = read_words(event, taxonomy)
            await asyncio.sleep(0)
    return read


def analysed(event: SurveyAnswered, persona: str | None, words: Words) -> VerbatimRow:
    """The row of ``event``'s verbatim (which it must have), as ``words`` read it."""
    assert event.verbatim is not None
    found = words.analysis
    return {
        "event_id": event.event_id,
        "customer_id": event.customer_id,
        "touchpoint": event.touchpoint,
        "occurred_at": event.answered_at,
        "persona": persona,
        "nps": event.nps,
        "text": event.verbatim,
        "language": found.language,
        "sentiment": found.sentiment,
        "sentiment_class": found.sentiment_class,
        "emotions": found.emotions,
        "topics": [{"id": t.id, "kind": t.kind, "sentiment": t.sentiment} for t in found.topics],
        "terms": words.terms,
    }


def as_carried(
    row: Mapping[str, Any], moment_id: str | None = None, taxonomy: Taxonomy | None = None
) -> Verbatim:
    """The verbatim as events carry it: capped, with its analysis; with ``taxonomy``, the
    terms it does not cover (read against the map held now, so a keyword the committee
    has just added stops a term from counting as emerging)."""
    text, truncated = capped_verbatim(row["text"])
    terms = [t for t in row["terms"] if len(t) <= TERM_CHARS]
    return Verbatim(
        moment_id=moment_id,
        text=text,
        truncated=truncated,
        language=row["language"],
        sentiment=row["sentiment"],
        sentiment_class=row["sentiment_class"],
        emotions=row["emotions"],
        topics=[VerbatimTopic(**t) for t in row["topics"]],
        uncovered_terms=uncovered(terms, taxonomy) if taxonomy is not None else [],
    )
