"""A batch's verbatims are read while its queries are in flight: the event loop runs
between two verbatims, and the reading is the analyser's, unchanged."""

from __future__ import annotations

import asyncio

from services.scoring.experience.verbatims import read_verbatims, read_words
from services.scoring.voice.analyser import analyse
from services.scoring.voice.terms import terms_of
from services.scoring.voice.topics import Taxonomy
from tests.scoring.factories import create_interaction, create_survey


async def test_the_loop_runs_between_two_verbatims() -> None:
    words = [create_survey("c1", verbatim=f"Colis en retard, {n} jours") for n in range(5)]
    events = [*words, create_survey("c2", nps=9), create_interaction("c3")]
    turns = 0

    async def other_work() -> None:  # stands for the batch's reads, waiting on PostgreSQL
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    beside = asyncio.ensure_future(other_work())
    await asyncio.sleep(0)
    started = turns
    read = await read_verbatims(events, Taxonomy(()))
    beside.cancel()

    assert set(read) == {e.event_id for e in words}
    assert turns - started >= len(words) - 1


def test_a_verbatim_read_is_the_analysis_and_its_terms() -> None:
    event = create_survey("c1", verbatim="The parcel came a week late", language="en")
    read = read_words(event, Taxonomy(()))
    assert read.analysis == analyse("The parcel came a week late", "en")
    assert read.terms == terms_of("The parcel came a week late", "en")
