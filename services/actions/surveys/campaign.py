"""The relationship campaign: a background sweep that asks each customer of the program's
personas once per period, at a slot spread evenly over the period, through the contact
policy (a customer with an open task or a recent survey is not asked then).

Each run decides the customers due in batches, each batch in its own transaction that
records decisions and invitations, then publishes the invitations committed and not yet
published (a run after a broker outage publishes those left behind).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.policy.config import PolicySettings
from services.actions.policy.evaluation import DecisionRequest, Origin
from services.actions.policy.invitations import invitations
from services.actions.surveys import tokens
from services.actions.surveys.campaign_repository import CampaignRepository
from shared.background import repeating
from shared.events.actions import SurveyInvitationRequested
from shared.journey import RELATIONSHIP, JourneyMap
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.producer import EventPublisher
from shared.surveys import RelationshipProgram

log = structlog.get_logger(__name__)
DAY_SECONDS = 86400.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


class RelationshipCampaign:
    def __init__(
        self,
        settings: PolicySettings,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        journey: JourneyMapHolder,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.publisher = publisher
        self.journey = journey
        self.clock = clock

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        every = self.settings.relationship_sweep_seconds
        async with repeating(self.sweep, every, what="relationship campaign", first_after=every):
            yield

    async def sweep(self) -> int:
        """Ask the customers due now; how many invitations were published."""
        journey = self.journey.current
        if journey is None or journey.relationship is None:
            return 0
        while await self._decide_batch(journey, journey.relationship):
            pass
        published = 0
        while (sent := await self.publish_pending()) > 0:
            published += sent
        return published

    async def _decide_batch(self, journey: JourneyMap, program: RelationshipProgram) -> bool:
        """Decide one batch of the customers due; whether a full batch was found."""
        now, batch = self.clock(), self.settings.relationship_sweep_batch
        # A slot missed for longer than this (service down) waits for the next period.
        grace = max(2 * self.settings.relationship_sweep_seconds, DAY_SECONDS)
        async with self.sessions() as session:
            due = await CampaignRepository(session).due(
                program.personas, now, program.every_days * DAY_SECONDS, grace, batch
            )
            requests = [_request(customer, program, now) for customer in due]
            await invitations(session, journey, requests, self.settings, now)
            await session.commit()
        return len(due) == batch

    async def publish_pending(self) -> int:
        """Publish the relationship invitations committed and not yet published, with
        their links; mark those the broker acknowledged."""
        secret = self.settings.survey_token_secret.get_secret_value()
        async with self.sessions() as session:
            repo = CampaignRepository(session)
            rows = await repo.unpublished(self.clock(), self.settings.relationship_sweep_batch)
            events = [_event(row, secret, self.settings.survey_public_url) for row in rows]
            outcomes = await self.publisher.publish_many(events) if events else []
            sent = [
                row.invitation_id for row, error in zip(rows, outcomes, strict=True) if not error
            ]
            if sent:
                await repo.mark_published(sent, self.clock())
                await session.commit()
        if len(sent) < len(rows):
            log.warning("relationship invitations left unpublished", count=len(rows) - len(sent))
        return len(sent)


def _request(customer_id: str, program: RelationshipProgram, now: datetime) -> DecisionRequest:
    return DecisionRequest(
        decision_id=f"rel-{uuid.uuid4().hex}",
        customer_id=customer_id,
        touchpoint=RELATIONSHIP,
        channel=program.channel,
        at=now,
        origin=Origin.RELATIONSHIP,
        department=program.owner,
    )


def _event(row: Any, secret: str, public_url: str) -> SurveyInvitationRequested:
    invitation_id: str = row.invitation_id
    event = SurveyInvitationRequested.model_validate(row.invitation)
    token = tokens.token_for(secret, invitation_id)
    return event.model_copy(
        update={
            "invitation_id": invitation_id,
            "link": tokens.link(public_url, token),
            "expires_at": row.expires_at,
        }
    )
