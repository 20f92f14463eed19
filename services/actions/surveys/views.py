"""Survey invitations as the API offers them: asked for a customer, looked up by the
hosted page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.actions.policy import service as policy
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest
from services.actions.policy.rules import refused_by
from services.actions.surveys import service
from services.actions.surveys.config import SurveySettings
from services.actions.surveys.repository import InvitationStore
from services.actions.surveys.schemas import (
    InvitationCreate,
    InvitationDecision,
    InvitationLink,
    InvitationLookup,
)
from shared.journey import RELATIONSHIP, JourneyMap
from shared.problems import ProblemError, field_error, invalid


async def invite(
    connection: Any,
    journey: JourneyMap | None,
    body: InvitationCreate,
    decided_by: str,
    settings: SurveySettings,
) -> InvitationDecision:
    """Ask the contact policy, on ``connection`` (asyncpg, in a transaction); when it
    allows, record the invitation. Nothing is published: the caller sends the link.

    :raises ProblemError: 503 before the journey map is known; 422 for a touchpoint not in
        it or without a hosted survey, or a relationship survey the map does not define.
    """
    known = _with_survey(journey, body)
    request = DecisionRequest(
        decision_id=uuid.uuid4().hex,
        customer_id=body.customer_id,
        touchpoint=body.touchpoint or RELATIONSHIP,
        channel=body.channel,
        at=body.at or datetime.now(UTC),
        decided_by=decided_by,
        interaction_event_id=body.interaction_event_id,
    )
    repo = DecisionRepository.on_connection(connection)
    [decision] = await policy.decide(repo, known, [request])
    links = await issue_links(repo, known, settings, [decision])
    return InvitationDecision(
        decision_id=request.decision_id,
        allowed=decision.verdict.allowed,
        reason=decision.verdict.reason,
        next_allowed_at=decision.verdict.next_allowed_at,
        refused_by=refused_by(decision.verdict),
        invitation=links.get(request.decision_id),
    )


async def look_up(
    connection: Any, journey: JourneyMap | None, token: str, mark_opened: bool, now: datetime
) -> InvitationLookup:
    """:func:`service.lookup` on ``connection`` (asyncpg, outside any transaction): its one
    statement commits by itself, before the answer, without the ORM session's bookkeeping
    (about as much CPU as the rest of the lookup)."""
    store = InvitationStore(DecisionRepository.on_connection(connection).fetch)
    return await service.lookup(store, journey, token, mark_opened, now)


async def issue_links(
    repo: DecisionRepository,
    journey: JourneyMap,
    settings: SurveySettings,
    decisions: list[Decision],
) -> dict[str, InvitationLink]:
    """Record the invitations of the allowed ``decisions`` that have a hosted survey, in
    the decisions' transaction; their links by decision id."""
    issued = await service.issue(
        InvitationStore(repo.fetch), journey, settings, decisions, datetime.now(UTC)
    )
    return {
        decision_id: InvitationLink(
            invitation_id=found.invitation_id, link=found.link, expires_at=found.expires_at
        )
        for decision_id, found in issued.items()
    }


def _with_survey(journey: JourneyMap | None, body: InvitationCreate) -> JourneyMap:
    if journey is None:
        raise ProblemError(503, "Journey map not loaded", "no journey map received yet")
    if body.touchpoint is None:
        if journey.relationship is None:
            message = "the journey map defines no relationship survey"
            _invalid("relationship", message, "no_relationship_survey")
    elif journey.touchpoint(body.touchpoint) is None:
        message = f"unknown touchpoint {body.touchpoint!r}"
        _invalid("touchpoint", message, "unknown_touchpoint", body.touchpoint)
    elif not service.questions(journey, body.touchpoint):
        message = f"{body.touchpoint!r} has no hosted survey (survey.questions)"
        _invalid("touchpoint", message, "no_hosted_survey", body.touchpoint)
    return journey


def _invalid(field: str, message: str, code: str, touchpoint: str | None = None) -> None:
    params = {"id": touchpoint} if touchpoint is not None else None
    raise invalid([field_error([field], message, code, params)])
