"""What the contact policy learns from events, and the invitations it asks for itself.

- profiles (``cx.customers``): persona, time zone, locale, opt-out; an older one is ignored;
- tasks (``cx.task-events``): each task's newest state, whatever order its changes come in;
- interactions at a moment of truth (``cx.interactions``) and resolved tasks (when the
  policy's ``recovery_survey`` is on) ask the policy; an allowed decision becomes a
  ``SurveyInvitationRequested``, with the link of its hosted survey when the touchpoint
  has one (the invitation is recorded in the same transaction).

Decision ids derive from the causing event's id and decisions are dated by the event, so
an event delivered again gets the same decision and the same invitation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import service
from services.actions.policy.config import PolicySettings
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import DecisionRequest, Origin
from services.actions.policy.repository import PolicyRepository
from services.actions.surveys import service as surveys
from services.actions.surveys.config import SurveySettings
from services.actions.surveys.repository import InvitationStore
from shared.events.actions import (
    ACTIVE_STATUSES,
    SurveyInvitationRequested,
    TaskChange,
    TaskChanged,
)
from shared.events.schemas import Channel, CustomerProfileUpdated, InteractionRecorded
from shared.journey import JourneyMap, Touchpoint


async def apply_profiles(session: AsyncSession, profiles: Sequence[CustomerProfileUpdated]) -> None:
    """Keep each customer's newest profile. Rows are written sorted by customer (each
    customer's in the order received), the order decisions lock them in: a batch of
    profiles and a batch of decisions never wait on each other in a cycle."""
    ordered = sorted(profiles, key=lambda p: p.customer_id)
    rows = [
        {
            "customer_id": p.customer_id,
            "persona": p.persona,
            "value_tier": p.value_tier,
            "locale": p.locale,
            "timezone": p.timezone,
            "survey_opt_out": p.survey_opt_out,
            "profile_updated_at": p.updated_at,
        }
        for p in ordered
    ]
    if rows:
        # In customer order, as decisions lock customers: no two transactions wait in a cycle.
        rows.sort(key=lambda row: str(row["customer_id"]))
        await PolicyRepository(session).apply_profiles(rows)


async def apply_task_changes(
    session: AsyncSession,
    journey: JourneyMap | None,
    changes: Sequence[TaskChanged],
    recovery_channel: Channel,
    settings: SurveySettings,
) -> list[SurveyInvitationRequested]:
    """Keep each task's newest state; ask for a recovery survey after each resolution
    that is still the task's newest change."""
    if not changes:
        return []
    repo = PolicyRepository(session)
    await repo.apply_task_changes([_task_row(c) for c in changes])
    if journey is None or not journey.contact_policy.recovery_survey:
        return []
    resolved = [c for c in changes if c.change is TaskChange.RESOLVED]
    newest = await repo.task_changes({c.task_id for c in resolved}) if resolved else {}
    requests = [
        _recovery(c, journey, recovery_channel)
        for c in resolved
        if newest.get(c.task_id) == change_number(c) and journey.touchpoint(c.touchpoint)
    ]
    return await invitations(session, journey, requests, settings)


async def invite_at_moments_of_truth(
    session: AsyncSession,
    journey: JourneyMap,
    interactions: Sequence[InteractionRecorded],
    settings: PolicySettings,
) -> list[SurveyInvitationRequested]:
    """Ask the policy about each interaction at a moment of truth that reached cxloop
    within ``POLICY_INVITATION_MAX_DELAY_HOURS`` of happening (both times travel in the
    event: a replay asks about the same ones)."""
    longest = timedelta(hours=settings.policy_invitation_max_delay_hours)
    requests = [
        _moment_of_truth(interaction, touchpoint)
        for interaction in interactions
        if (touchpoint := journey.touchpoint(interaction.touchpoint))
        and touchpoint.moment_of_truth
        and interaction.received_at - interaction.occurred_at <= longest
    ]
    return await invitations(session, journey, requests, settings)


async def invitations(
    session: AsyncSession,
    journey: JourneyMap,
    requests: Sequence[DecisionRequest],
    settings: SurveySettings,
    now: datetime | None = None,
) -> list[SurveyInvitationRequested]:
    """Decide ``requests`` in the session's transaction; the invitations allowed, with
    their hosted survey's link (recorded, or found for a decision taken before), created
    ``now`` (default: the wall clock)."""
    if not requests:
        return []
    repo = DecisionRepository.on_session(session)
    decisions = await service.decide(repo, journey, requests)
    invited = [d for d in decisions if d.invitation is not None]
    issued = await surveys.issue(
        InvitationStore(repo.fetch), journey, settings, invited, now or datetime.now(UTC)
    )
    return surveys.with_links([d.invitation for d in invited if d.invitation], issued)


def _moment_of_truth(interaction: InteractionRecorded, touchpoint: Touchpoint) -> DecisionRequest:
    return DecisionRequest(
        decision_id=derived_id("mot", interaction.event_id),
        customer_id=interaction.customer_id,
        touchpoint=touchpoint.id,
        channel=interaction.channel,
        # When cxloop heard of it, which is when its invitation goes out: quiet hours and
        # intervals are judged then, not at an hour gone by (the same time for any event
        # sent in real time; a replay decides the same)
        at=max(interaction.occurred_at, interaction.received_at),
        origin=Origin.MOMENT_OF_TRUTH,
        source_event_id=interaction.event_id,
        department=touchpoint.owner,
        source_received_at=interaction.received_at,
        interaction_event_id=interaction.event_id,
    )


def _recovery(change: TaskChanged, journey: JourneyMap, channel: Channel) -> DecisionRequest:
    touchpoint = journey.touchpoint(change.touchpoint)
    return DecisionRequest(
        decision_id=derived_id("rec", change.event_id),
        customer_id=change.customer_id,
        touchpoint=change.touchpoint,
        channel=channel,
        at=change.resolved_at or change.changed_at,
        origin=Origin.RECOVERY,
        source_event_id=change.event_id,
        task_id=change.task_id,
        department=change.department or (touchpoint.owner if touchpoint else None),
        source_received_at=change.source_received_at,
    )


def _task_row(change: TaskChanged) -> dict[str, Any]:
    return {
        "task_id": change.task_id,
        "customer_id": change.customer_id,
        "touchpoint": change.touchpoint,
        "department": change.department,
        "status": change.status.value,
        "active": change.status in ACTIVE_STATUSES,
        "change_number": change_number(change),
        "changed_at": change.changed_at,
    }


def change_number(change: TaskChanged) -> int:
    """<n> of the event id ``task:<task id>:<n>``; 0 when the id has another form (then
    ``changed_at`` alone orders the changes)."""
    number = change.event_id.rsplit(":", 1)[-1]
    return int(number) if number.isdigit() else 0


def derived_id(prefix: str, event_id: str) -> str:
    """A decision id fixed by the event that asks for it (event ids reach 128 characters)."""
    return f"{prefix}-{hashlib.sha256(event_id.encode()).hexdigest()[:40]}"
