from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from shared.config import ServiceSettings


class PrivacySettings(ServiceSettings):
    """Erasure and retention in the actions service (read with its other settings)."""

    # The services whose confirmation completes an erasure ("scoring,alerts,actions").
    privacy_erasure_services: Annotated[tuple[str, ...], NoDecode] = (
        "scoring",
        "alerts",
        "actions",
    )
    # How long DELETE /v1/customers/{id} waits for every confirmation before answering 202.
    privacy_erasure_wait_seconds: float = Field(default=10, ge=0)
    privacy_receipt_poll_seconds: float = Field(default=0.1, gt=0)
    # How often erasure requests left unpublished (broker outage) are published again.
    privacy_relay_poll_seconds: float = Field(default=5, gt=0)
    # Erasure requests published per transaction by that relay.
    privacy_relay_batch: int = Field(default=100, ge=1)
    # Alert changes applied to tasks, and persona quota counters, older than these go.
    task_inbox_retention_days: float = Field(default=30, gt=0)
    policy_quota_retention_days: float = Field(default=400, gt=0)
    # Survey invitations go this long after they expire (the funnel report reads them).
    survey_invitation_retention_days: float = Field(default=400, gt=0)
    retention_interval_seconds: float = Field(default=3600, gt=0)
    retention_batch: int = Field(default=1000, ge=1)

    @field_validator("privacy_erasure_services", mode="before")
    @classmethod
    def _parse_services(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(item.strip() for item in value.split(",") if item.strip())
        return value
