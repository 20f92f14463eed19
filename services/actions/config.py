from __future__ import annotations

from pydantic import Field

from services.actions.backlog.config import BacklogSettings
from services.actions.policy.config import PolicySettings
from services.actions.privacy.config import PrivacySettings
from services.actions.tasks.config import TaskSettings


class ActionsSettings(TaskSettings, PolicySettings, BacklogSettings, PrivacySettings):
    service_name: str = "actions"
    port: int = 8004
    journey_map_max_bytes: int = Field(default=1_000_000, ge=1024)
    # How long a change waits for the broker's acknowledgement before answering 503.
    publish_timeout_seconds: float = Field(default=5.0, gt=0)
    # Pause between attempts to publish the journey map after a failure.
    republish_retry_seconds: float = Field(default=5.0, gt=0)
    # As ingest's and scoring's: with Python's 700, 32 decisions in flight set off a young
    # collection every few requests, each walking what they hold (~4 % of a decision's CPU).
    gc_young_threshold: int | None = Field(default=10_000, ge=100)
    # The fetch wait of the consumers off the closed loop's hot path (all but the tasks'
    # and the invitations'): idle, eleven consumers fetching every 50 ms took a fifth of
    # the process's CPU under 340 decisions/s; these fetch at most four times a second.
    background_fetch_max_wait_ms: int = Field(default=250, ge=1)
