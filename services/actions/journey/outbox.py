"""The current journey map on ``cx.journey-map``, published by the outbox relay.

The relay publishes it when the service starts, after each change, and again after a
failure until the broker acknowledges it. Publishing at start matters because a broker
may have lost the topic (the embedded one keeps it in memory); republishing a version
sends the very same event. Nothing marks a version published: the relay only runs when
woken, never on a poll.
"""

from __future__ import annotations

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.journey import service
from services.actions.outbox import OutboxRelay, Sent, Timing
from shared.kafka.producer import EventPublisher

log = structlog.get_logger(__name__)


class CurrentJourneyMap:
    what = "journey map publication"

    async def publish_batch(
        self, session: AsyncSession, publisher: EventPublisher, limit: int
    ) -> Sent:
        """Publish the current version, if any.

        :raises BrokerUnavailable: when the broker does not acknowledge in time.
        """
        version = await service.publish_current(session, publisher)
        if version is None:
            return Sent(0)
        log.info("journey map published", version=version)
        return Sent(1)


def journey_map_relay(
    sessions: async_sessionmaker[AsyncSession], publisher: EventPublisher, retry_seconds: float
) -> OutboxRelay:
    timing = Timing(batch=1, poll_seconds=None, retry_seconds=retry_seconds)
    return OutboxRelay(CurrentJourneyMap(), sessions, publisher, timing)
