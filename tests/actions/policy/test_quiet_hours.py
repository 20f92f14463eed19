"""An invitation an event asks for once that falls in quiet hours is decided for their end,
when every rule allows it then; an answer to ``decide`` is never moved."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.actions.policy.evaluation import DecisionRequest, Origin, PolicyState
from shared.events.schemas import Channel
from shared.journey import TouchpointSurvey
from shared.journey_policies import ContactPolicy

NIGHT = datetime(2026, 6, 2, 21, 0, tzinfo=UTC)  # 23:00 in Paris
MORNING = datetime(2026, 6, 3, 6, 0, tzinfo=UTC)  # 08:00 in Paris


def state() -> PolicyState:
    return PolicyState(ContactPolicy(default_timezone="Europe/Paris"), {}, {}, {})


def request(origin: Origin, customer: str = "c-1") -> DecisionRequest:
    return DecisionRequest("d-1", customer, "delivery", Channel.EMAIL, NIGHT, origin)


def test_an_invitation_at_night_is_decided_for_the_morning() -> None:
    policy = state()
    decision = policy.decide(request(Origin.MOMENT_OF_TRUTH), TouchpointSurvey())

    assert (decision.verdict.allowed, decision.request.at) == (True, MORNING)
    assert decision.invitation is not None
    assert decision.invitation.requested_at == MORNING
    assert policy.surveyed["c-1"] == [(MORNING, "delivery")]


def test_one_the_morning_refuses_too_stays_refused_for_the_night() -> None:
    never = TouchpointSurvey(sampling_rate=0.0)
    decision = state().decide(request(Origin.RECOVERY), never)  # recovery: not sampled
    assert (decision.verdict.allowed, decision.request.at) == (True, MORNING)

    decision = state().decide(request(Origin.MOMENT_OF_TRUTH), never)
    assert decision.verdict.allowed is False
    assert (decision.verdict.reason, decision.request.at) == ("quiet_hours", NIGHT)
    assert decision.invitation is None


@pytest.mark.parametrize("origin", [Origin.API, Origin.RELATIONSHIP])
def test_an_answer_to_decide_or_the_campaign_is_never_moved(origin: Origin) -> None:
    """``decide``'s caller sends the survey itself; the campaign asks again itself."""
    decision = state().decide(request(origin), TouchpointSurvey())
    verdict = decision.verdict
    assert (verdict.allowed, verdict.reason, verdict.next_allowed_at) == (
        False,
        "quiet_hours",
        MORNING,
    )
    assert decision.request.at == NIGHT
