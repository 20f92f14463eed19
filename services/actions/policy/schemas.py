"""Request and response bodies of the contact policy API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.actions.policy.rules import Reason
from services.actions.surveys.schemas import InvitationLink
from shared.events.schemas import Channel
from shared.events.values import CustomerId, Slug, UtcDatetime


class DecisionCreate(BaseModel):
    """May this customer be surveyed about this touchpoint on this channel?"""

    model_config = ConfigDict(extra="forbid")

    customer_id: CustomerId
    touchpoint: Slug = Field(description="A touchpoint of the journey map.")
    channel: Channel
    at: UtcDatetime | None = Field(
        default=None, description="When the survey would be sent (RFC 3339); default: now."
    )
    invite: bool = Field(
        default=False,
        strict=True,
        description="When allowed and the touchpoint has a hosted survey, record an "
        "invitation and answer its link (ignored by simulate).",
    )


class DecisionFields(BaseModel):
    decision_id: str | None = Field(description="The ledger entry; none for a simulation.")
    allowed: bool
    reason: Reason = Field(description="`allowed`, or the first rule that refused.")
    next_allowed_at: datetime | None = Field(
        description="When every rule that refused would pass; null when none ever will "
        "(opt-out, not sampled) or it cannot be known (a task still open)."
    )
    customer_id: str
    touchpoint: str
    channel: Channel
    at: datetime


class DecisionRead(DecisionFields):
    refused_by: list[Reason] = Field(
        description="Every rule that refused, `reason` first (empty when allowed): an open "
        "task behind a `survey_interval` is why `next_allowed_at` is null. A decision read "
        "back from the ledger (an event delivered again) names its first only."
    )
    invitation: InvitationLink | None = Field(
        default=None, description="The hosted survey's link, when `invite` was asked."
    )


MAX_BATCH = 500


class DecisionBatchCreate(BaseModel):
    """Decisions taken in order, in one transaction: a decision sees those before it."""

    model_config = ConfigDict(extra="forbid")

    decisions: list[DecisionCreate] = Field(min_length=1, max_length=MAX_BATCH)


class DecisionBatchItem(DecisionRead):
    index: int = Field(description="The decision's position in the request.")


class DecisionBatchRead(BaseModel):
    results: list[DecisionBatchItem] = Field(description="One per decision asked, in order.")


class SolicitationRead(DecisionFields):
    """One entry of the ledger: a decision, allowed (a solicitation) or suppressed."""

    decision_id: str
    origin: str = Field(description="api, moment_of_truth or recovery")
    source_event_id: str | None
    task_id: str | None
    persona: str | None
    decided_by: str
    decided_at: datetime


class SolicitationPage(BaseModel):
    items: list[SolicitationRead]
    next_cursor: str | None = None
