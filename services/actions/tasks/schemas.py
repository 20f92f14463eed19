"""Bodies and query parameters of the tasks API and of the closed-loop report."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.events.actions import TaskChange, TaskStatus
from shared.events.schemas import Channel, Verbatim
from shared.events.values import Slug, UtcDatetime, plain_text
from shared.journey_policies import PriorityLevel


class Recontact(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: UtcDatetime = Field(description="when the customer was recontacted")
    channel: Channel


class TaskUpdate(BaseModel):
    """Only the fields sent change; `null` clears referent, root_cause, resolution and
    customer_recontacted."""

    model_config = ConfigDict(extra="forbid")

    status: TaskStatus | None = Field(default=None, description="the next lifecycle status")
    referent: Slug | None = Field(default=None, description="a referent of its department")
    root_cause: Slug | None = Field(default=None, description="an id of the map's root_causes")
    # the length inside the text's type: on the optional field it would be read as a list's
    resolution: Annotated[str, Field(max_length=5000), AfterValidator(plain_text)] | None = None
    customer_recontacted: Recontact | None = None


class CommentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=5000), AfterValidator(plain_text)]


class CommentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author: str
    body: str
    created_at: datetime


TaskOrder = Literal["opened", "due"]


class TaskFilter(BaseModel):
    model_config = ConfigDict(extra="forbid")

    department: str | None = Field(default=None, max_length=64)
    status: TaskStatus | None = None
    active: bool | None = Field(
        default=None, description="open, acknowledged or in progress (false: resolved or closed)"
    )
    overdue: bool | None = Field(default=None, description="active and past its due time")
    priority: PriorityLevel | None = None
    touchpoint: str | None = Field(default=None, max_length=64)
    persona: str | None = Field(default=None, max_length=64)
    customer: str | None = Field(default=None, max_length=128)
    order: TaskOrder = Field(
        default="opened", description="opened: newest opened first; due: soonest due first"
    )
    cursor: str | None = Field(default=None, max_length=500, description="next_cursor, as given")
    limit: int = Field(default=50, ge=1, le=200)


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: str
    touchpoint: str
    department: str | None = Field(description="the touchpoint's owner")
    referent: str | None
    persona: str | None
    value_tier: str | None
    status: TaskStatus
    priority: PriorityLevel
    priority_score: float = Field(description="severity × value-tier weight × touchpoint weight")
    severity: int
    escalation_level: int
    occurrences: int
    alert_ids: list[str]
    opened_at: datetime = Field(description="the time of the alert that opened it")
    due_at: datetime = Field(
        description="its SLA from when the signal that opened it reached cxloop (from "
        "opened_at for a signal on time); moved by each escalation"
    )
    sla_due_at: datetime = Field(description="the due time before any escalation")
    overdue: bool = False
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    root_cause: str | None
    suggested_root_cause: str | None = Field(
        description="the root cause its verbatims name most; confirm it or set another"
    )
    resolution: str | None
    customer_recontacted: bool
    recontacted_at: datetime | None
    recontact_channel: Channel | None
    lxi_at_opening: float | None


class TaskPage(BaseModel):
    items: list[TaskRead]
    next_cursor: str | None


class TaskMomentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    moment_id: str
    alert_id: str
    added_at: datetime
    verbatim: Verbatim | None = Field(
        description="what the customer wrote (redacted, cut at 2,000 characters), analysed"
    )


class TaskChangeRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    change: TaskChange
    actor: str = Field(description="the API key's name, or system")
    changed_at: datetime
    from_status: TaskStatus | None
    to_status: TaskStatus
    fields: dict[str, Any] = Field(description="each field set: {from, to}")
    published_at: datetime | None = Field(description="when cx.task-events acknowledged it")


class CallbackAnswer(BaseModel):
    consent: bool = Field(description="whether the customer agreed to be called back")
    answered_at: datetime
    touchpoint: str | None = Field(description="the survey's touchpoint; none: relationship")


class TaskDetail(TaskRead):
    moments: list[TaskMomentRead] = Field(description="the moments that caused it")
    comments: list[CommentRead]
    changes: list[TaskChangeRead] = Field(description="the audit trail, in order")
    callback: CallbackAnswer | None = Field(
        description="the customer's latest answer to a hosted survey's callback question "
        "(may an adviser contact them about it); none when no survey asked it"
    )


class Durations(BaseModel):
    count: int
    p50_hours: float | None
    p90_hours: float | None


class Recovery(BaseModel):
    days: float
    tasks: int = Field(description="resolved tasks whose period has passed: the mean is theirs")
    pending: int = Field(description="resolved tasks whose period has not passed yet")
    mean_lxi_change: float | None = Field(description="LXI after the period minus at opening")


class ClosedLoopReport(BaseModel):
    department: str | None
    touchpoint: str | None
    from_: datetime | None = Field(serialization_alias="from")
    to: datetime | None
    tasks: int = Field(description="tasks opened in the period")
    time_to_acknowledge: Durations
    time_to_resolve: Durations
    resolved: int
    resolved_within_sla: int
    resolved_within_sla_rate: float | None
    recontacted: int = Field(description="resolved tasks whose customer was recontacted")
    recontacted_rate: float | None
    recovery: Recovery
