from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class TaskSettings(ServiceSettings):
    """Settings of the actions service's corrective tasks (read with its other settings)."""

    tasks_consumer_batch: int = Field(default=200, ge=1)
    recovery_consumer_batch: int = Field(default=500, ge=1)
    # How often overdue tasks are looked for and escalated.
    task_escalation_interval_seconds: float = Field(default=60, gt=0)
    task_escalation_batch: int = Field(default=100, ge=1)
    # A task escalates at most this many times (low → medium → high → critical is three).
    task_max_escalations: int = Field(default=3, ge=0)
    # The outbox relay publishes right after each commit; it also looks this often for
    # changes left unpublished (a failed publication, another replica's crash).
    task_relay_poll_seconds: float = Field(default=5, gt=0)
    task_relay_batch: int = Field(default=500, ge=1)
    # Recovery: the customer's LXI this many days after resolution, minus at opening.
    task_recovery_days: float = Field(default=30, gt=0, le=365)
    # Before the first batch of alerts, how long to wait for the journey map (SLA, levels).
    tasks_map_wait_seconds: float = Field(default=10, ge=0)
