"""Events of the actions service, published on ``cx.task-events`` and sent to referents as
webhooks by the alerts service (``webhook_type`` names the webhook event type)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from shared.events import topics
from shared.events.schemas import Channel, Event, Verbatim, source_received_at_field
from shared.events.values import Identifier, Slug, UtcDatetime


class TaskStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


# A task in one of these is "open" for the customer: new alerts add occurrences to it and
# the contact policy holds surveys.
ACTIVE_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.OPEN, TaskStatus.ACKNOWLEDGED, TaskStatus.IN_PROGRESS}
)


class TaskChange(StrEnum):
    OPENED = "opened"
    OCCURRENCE = "occurrence"  # a new alert or negative added to the open task
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"
    UPDATED = "updated"  # fields changed without a status change (root cause, recontact…)
    COMMENTED = "commented"


class TaskChanged(Event):
    """A corrective task opened or changed; keyed by customer id.

    ``event_id`` is ``task:<task id>:<change number>``: the audit trail's sequence, so a
    change re-published after a crash has the same id.
    """

    ce_type: ClassVar[str] = "cxloop.task.changed"
    topic: ClassVar[topics.Topic] = topics.TASK_EVENTS

    task_id: str = Field(min_length=1, max_length=64)
    change: TaskChange
    status: TaskStatus
    touchpoint: Slug
    department: Slug | None = None
    referent: Slug | None = None
    priority: str = Field(description="low, medium, high or critical")
    priority_score: float = Field(ge=0)
    severity: int = Field(ge=1, le=5)
    escalation_level: int = Field(default=0, ge=0)
    escalation_contact: str | None = None
    due_at: UtcDatetime
    occurrences: int = Field(ge=1)
    alert_ids: list[str] = Field(default_factory=list, max_length=200)
    root_cause: Slug | None = None
    suggested_root_cause: Slug | None = Field(
        default=None, description="the root cause its verbatims name most; the referent decides"
    )
    verbatims: list[Verbatim] = Field(
        default_factory=list,
        max_length=50,
        description="what the customer wrote in the moments behind this change (opened, "
        "occurrence), redacted and cut at 2,000 characters, with its analysis",
    )
    resolution: str | None = Field(default=None, max_length=5000)
    customer_recontacted: bool = False
    persona: str | None = None
    value_tier: str | None = None
    lxi_at_opening: float | None = None
    opened_at: UtcDatetime
    resolved_at: UtcDatetime | None = None
    actor: str = Field(max_length=200, description="Who made the change: a key name or 'system'.")
    summary: str = Field(max_length=1000)
    changed_at: UtcDatetime
    # the latest source among the alerts that fed the task
    source_received_at: UtcDatetime | None = source_received_at_field()

    @property
    def occurred(self) -> datetime:
        return self.changed_at

    @property
    def webhook_type(self) -> str:
        return f"task.{self.change.value}"


class InvitationReason(StrEnum):
    MOMENT_OF_TRUTH = "moment_of_truth"  # an interaction at a moment of truth
    RECOVERY = "recovery"  # after the customer's task was resolved
    RELATIONSHIP = "relationship"  # the periodic relationship campaign


class SurveyInvitationRequested(Event):
    """The contact policy allowed a survey; the survey tool receives it as a webhook.

    ``event_id`` is ``invitation:<decision id>``; published on ``cx.task-events``. When the
    touchpoint (or, with no touchpoint, the relationship program) has a hosted survey, the
    invitation is recorded and ``link`` is the page the customer answers it on, until
    ``expires_at``.
    """

    ce_type: ClassVar[str] = "cxloop.survey.invitation-requested"
    topic: ClassVar[topics.Topic] = topics.TASK_EVENTS

    decision_id: str = Field(min_length=1, max_length=64)
    touchpoint: Slug | None = Field(default=None, description="none for a relationship survey")
    channel: Channel
    reason: InvitationReason
    source_event_id: Identifier | None = None  # the interaction that asked for it
    task_id: str | None = None  # the resolved task, for a recovery survey
    department: Slug | None = None  # the touchpoint's owner, for webhook routing
    persona: str | None = None
    locale: str | None = None
    requested_at: UtcDatetime
    source_received_at: UtcDatetime | None = source_received_at_field()
    invitation_id: str | None = Field(default=None, max_length=64)
    link: str | None = Field(default=None, max_length=2048, description="the hosted survey")
    expires_at: UtcDatetime | None = None

    @property
    def occurred(self) -> datetime:
        return self.requested_at

    @property
    def webhook_type(self) -> str:
        return "survey.invitation"
