"""Survey invitations: recorded for the allowed decisions whose touchpoint (or the
relationship program) has a hosted survey, looked up by the hosted page, marked answered.

Nothing here commits: the request or the consumer batch does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.evaluation import Decision
from services.actions.surveys import tokens
from services.actions.surveys.config import SurveySettings
from services.actions.surveys.repository import InvitationRepository, InvitationStore
from services.actions.surveys.schemas import InvitationLookup, InvitationStatus
from shared.events.actions import SurveyInvitationRequested
from shared.journey import RELATIONSHIP, JourneyMap
from shared.problems import ProblemError
from shared.surveys import SurveyQuestion


@dataclass(frozen=True)
class Issued:
    invitation_id: str
    link: str
    expires_at: datetime


def questions(journey: JourneyMap, touchpoint: str) -> list[SurveyQuestion]:
    """The hosted survey's questions at ``touchpoint`` (``relationship``: the relationship
    program's); none when it has no hosted survey."""
    if touchpoint == RELATIONSHIP:
        return journey.relationship.questions if journey.relationship else []
    found = journey.touchpoint(touchpoint)
    return found.survey.questions if found else []


async def issue(
    store: InvitationStore,
    journey: JourneyMap,
    settings: SurveySettings,
    decisions: Sequence[Decision],
    now: datetime,
) -> dict[str, Issued]:
    """Record an invitation for each allowed decision with a hosted survey (the one
    recorded before, for a decision taken before); their links by decision id."""
    wanted = [
        d for d in decisions if d.verdict.allowed and questions(journey, d.request.touchpoint)
    ]
    if not wanted:
        return {}
    secret = settings.survey_token_secret.get_secret_value()
    # valid for its time to live from when it is sent (the morning, for one decided in the
    # customer's quiet hours)
    ttl = timedelta(hours=settings.survey_invitation_ttl_hours)
    stored = await store.record(
        [_row(d, secret, now, max(now, d.request.at) + ttl) for d in wanted]
    )
    return {
        decision_id: Issued(
            invitation_id,
            tokens.link(settings.survey_public_url, tokens.token_for(secret, invitation_id)),
            expires,
        )
        for decision_id, (invitation_id, expires) in stored.items()
    }


def with_links(
    events: Sequence[SurveyInvitationRequested], issued: dict[str, Issued]
) -> list[SurveyInvitationRequested]:
    """The invitation events, each with its hosted survey's link when it has one."""
    return [
        event.model_copy(update=vars(found)) if (found := issued.get(event.decision_id)) else event
        for event in events
    ]


def _row(decision: Decision, secret: str, now: datetime, expires_at: datetime) -> dict[str, Any]:
    request = decision.request
    invitation_id = tokens.new_invitation_id()
    return {
        "invitation_id": invitation_id,
        "token_sha256": tokens.token_sha256(tokens.token_for(secret, invitation_id)),
        "decision_id": request.decision_id,
        "customer_id": request.customer_id,
        "touchpoint": None if request.touchpoint == RELATIONSHIP else request.touchpoint,
        "interaction_event_id": request.interaction_event_id,
        "channel": request.channel.value,
        "locale": decision.locale,
        "persona": decision.persona,
        "reason": request.origin.value,
        "created_at": now,
        "expires_at": expires_at,
    }


def status(row: Mapping[str, Any], now: datetime) -> InvitationStatus:
    if row["answered_at"] is not None:
        return InvitationStatus.ANSWERED
    if now >= row["expires_at"]:
        return InvitationStatus.EXPIRED
    if row["opened_at"] is not None:
        return InvitationStatus.OPENED
    return InvitationStatus.SENT


async def lookup(
    store: InvitationStore,
    journey: JourneyMap | None,
    token: str,
    mark_opened: bool,
    now: datetime,
) -> InvitationLookup:
    """The invitation of ``token`` with its survey; opened now if ``mark_opened`` and
    still ``sent``.

    :raises ProblemError: 404 for a token no invitation has (never issued, forged, or its
        customer erased), or whose survey the journey map no longer holds.
    """
    row = await store.by_token(tokens.token_sha256(token), now if mark_opened else None)
    if row is None:
        raise ProblemError(404, "Unknown invitation", "no invitation has this token")
    survey = journey.survey(row["touchpoint"]) if journey else None
    if survey is None:
        raise ProblemError(404, "Unknown invitation", "its survey is no longer in the journey map")
    return InvitationLookup.model_validate({**row, "status": status(row, now), "survey": survey})


async def mark_answered(
    session: AsyncSession, answered: dict[str, tuple[datetime, bool | None]]
) -> int:
    return await InvitationRepository(session).mark_answered(answered)
