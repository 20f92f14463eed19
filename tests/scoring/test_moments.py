"""The moments scoring builds without validation (``moment_from_row``) are the moments
validation would build from the same values, and publish as the same records, for every
kind of signal: interactions (a repeat, a wait over the threshold, transfers, a touchpoint
the map does not know), survey responses with scores, a relationship NPS, words with
scores or alone, and the moments re-emitted from the stored rows on redelivery."""

from __future__ import annotations

from services.scoring.experience.service import ExperienceService
from shared.events.envelope import record
from shared.events.schemas import Event, MomentEvaluated
from shared.journey import JourneyMap
from shared.kafka.journey_watch import JourneyMapHolder
from tests.conftest import unique
from tests.scoring.conftest import JOURNEY_MAP, Scoring
from tests.scoring.factories import (
    T0,
    consumed,
    create_interaction,
    create_profile,
    create_survey,
    days,
)

SOURCE = b"/cxloop/scoring"


def _signals(person: str) -> list[Event]:
    call = {"touchpoint": "support-call", "channel": "phone"}
    return [
        create_profile(person, T0, persona="busy-parent", value_tier="gold"),
        create_interaction(person, T0, outcome="failure", wait_seconds=600, transfers=2, **call),
        create_interaction(person, T0 + days(0.1), employee_id="e-1", employee_ease=6, **call),
        create_interaction(person, T0 + days(0.2), touchpoint="kiosk", channel="store"),
        create_survey(person, T0 + days(1), nps=2, csat=1, ces=2, verbatim="Livraison en retard."),
        create_survey(person, T0 + days(2), relationship=True, touchpoint=None, nps=9),
        create_survey(
            person, T0 + days(3), verbatim="Great service, friendly staff.", language="en"
        ),
        create_survey(person, T0 + days(4), touchpoint="checkout", expected=2, perceived=5),
    ]


async def _moments(scoring: Scoring, batch: list[Event]) -> list[Event]:
    holder = JourneyMapHolder(JourneyMap.model_validate(JOURNEY_MAP), 1)
    service = ExperienceService(scoring.settings, holder)
    async with scoring.sessions() as session, session.begin():
        return await service.apply(session, [consumed(event) for event in batch])


async def test_built_moments_are_the_validated_ones_and_publish_as_the_same_records(
    scoring: Scoring,
) -> None:
    batch = _signals(unique("cust"))
    fresh = await _moments(scoring, batch)
    again = await _moments(scoring, batch)  # redelivered: rebuilt from the stored rows

    assert len(fresh) == len(again) == 7
    assert [m.event_id for m in again] == [m.event_id for m in fresh]
    assert sum(isinstance(m, MomentEvaluated) and m.verbatim is not None for m in fresh) == 2
    for moment in [*fresh, *again]:
        assert isinstance(moment, MomentEvaluated)
        assert moment.__dict__.keys() == MomentEvaluated.model_fields.keys()
        validated = MomentEvaluated.model_validate(moment.model_dump())
        assert moment == validated
        assert list(map(type, moment.__dict__.values())) == list(
            map(type, validated.__dict__.values())
        )
        assert record(moment, SOURCE) == record(validated, SOURCE)
        assert record(moment, SOURCE).value == validated.model_dump_json(exclude_none=True).encode()
    for first, second in zip(fresh, again, strict=True):
        assert record(first, SOURCE) == record(second, SOURCE)
    # the expectation pair travels with its moment, first and re-emitted alike
    for moments in (fresh, again):
        pairs = [(m.expected, m.perceived) for m in moments if isinstance(m, MomentEvaluated)]
        assert pairs.count((2, 5)) == 1
        assert pairs.count((None, None)) == 6
    # and so do an interaction's wait and the threshold it went over (the support call's
    # 120 s); the kiosk has no threshold, a survey no wait
    for moments in (fresh, again):
        waits = [
            (m.wait_seconds, m.wait_threshold_seconds, m.wait_over_threshold)
            for m in moments
            if isinstance(m, MomentEvaluated)
        ]
        assert waits[:3] == [(600, 120, True), (None, 120, False), (None, None, False)]
        assert set(waits[3:]) == {(None, None, False)}
