"""The contact policy's consumers: each turns a batch into one call of invitations.py."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import invitations
from services.actions.policy.config import PolicySettings
from shared.events.actions import TaskChanged
from shared.events.schemas import CustomerProfileUpdated, Event, InteractionRecorded
from shared.journey import JourneyMap
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed

log = structlog.get_logger(__name__)


class PolicyHandlers:
    def __init__(self, settings: PolicySettings, journey: JourneyMapHolder) -> None:
        self.settings = settings
        self.journey = journey
        self._waited_for_map = False

    async def profiles(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        found = [c.event for c in batch if isinstance(c.event, CustomerProfileUpdated)]
        await invitations.apply_profiles(session, found)
        return []

    async def task_changes(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        changes = [c.event for c in batch if isinstance(c.event, TaskChanged)]
        journey = await self._journey_map() if changes else None
        channel = self.settings.policy_recovery_channel
        return [
            *await invitations.apply_task_changes(session, journey, changes, channel, self.settings)
        ]

    async def interactions(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        found = [c.event for c in batch if isinstance(c.event, InteractionRecorded)]
        journey = await self._journey_map() if found else None
        if journey is None:
            if found:
                log.warning("no journey map: no invitation asked", interactions=len(found))
            return []
        return [
            *await invitations.invite_at_moments_of_truth(session, journey, found, self.settings)
        ]

    async def _journey_map(self) -> JourneyMap | None:
        """The map held; the first time, wait a little for one to arrive (at start-up the
        consumer may be assigned its partitions before the map is read)."""
        if self.journey.current is None and not self._waited_for_map:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.journey.changed.wait(), self.settings.policy_map_wait_seconds
                )
        self._waited_for_map = True
        return self.journey.current
