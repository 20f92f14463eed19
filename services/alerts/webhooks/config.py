from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import NoDecode

from shared.config import ServiceSettings

_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")


def parse_seconds(value: str) -> float:
    """``"5s"``, ``"30m"``, ``"2h"``, ``"5d"`` or a bare number of seconds."""
    match = _DELAY.match(value)
    if match is None:
        raise ValueError(f"{value.strip()!r} is not a delay such as 5s, 30m, 2h, 5d or 0.5")
    return float(match[1]) * _UNITS[match[2]]


def parse_schedule(value: str) -> tuple[float, ...]:
    """``"5s,5m,30m,2h"`` as delays in seconds."""
    return tuple(parse_seconds(item) for item in value.split(","))


DEFAULT_SCHEDULE = parse_schedule("5s,5m,30m,2h,5h,10h,10h")  # about 27 h in all


class WebhookSettings(ServiceSettings):
    """Settings of the alerts service's webhooks (read with the service's other settings)."""

    # Delays between attempts: after the first failure wait 5 s, after the second 5 min…
    # One attempt more than delays; after the last one the delivery is dead-lettered.
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = DEFAULT_SCHEDULE
    webhook_retry_jitter: float = Field(default=0.1, ge=0, lt=1)
    webhook_timeout_seconds: float = Field(default=10, gt=0)
    # A claimed delivery is due again after this long if its worker dies mid-send.
    webhook_lease_seconds: float = Field(default=30, gt=0)
    webhook_poll_seconds: float = Field(default=1, gt=0)
    webhook_concurrency: int = Field(default=10, ge=1)
    # An endpoint whose deliveries keep failing this long is disabled ("5d", "36h", P5D).
    webhook_disable_after: timedelta = timedelta(days=5)
    # How long a rotated-out secret keeps signing beside the new one.
    webhook_secret_overlap: timedelta = timedelta(hours=24)
    # More alerts than this to one endpoint within a window arrive as one digest.
    webhook_digest_threshold: int = Field(default=10, ge=1)
    webhook_digest_window_seconds: float = Field(default=60, gt=0)
    webhook_digest_max_alerts: int = Field(default=100, ge=1)
    # Loopback, private and link-local targets are refused unless this is on.
    webhook_allow_private_networks: bool = False

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _parse_schedule(cls, value: object) -> object:
        return parse_schedule(value) if isinstance(value, str) else value

    @field_validator("webhook_disable_after", "webhook_secret_overlap", mode="before")
    @classmethod
    def _parse_duration(cls, value: object) -> object:
        # "5d", "24h", "90" (seconds); anything else is left to pydantic (ISO 8601: P5D)
        if isinstance(value, str) and _DELAY.match(value):
            return timedelta(seconds=parse_seconds(value))
        return value

    @model_validator(mode="after")
    def _lease_outlasts_a_send(self) -> WebhookSettings:
        if self.webhook_lease_seconds <= self.webhook_timeout_seconds:
            raise ValueError("WEBHOOK_LEASE_SECONDS must exceed WEBHOOK_TIMEOUT_SECONDS")
        return self
