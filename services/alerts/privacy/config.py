from __future__ import annotations

from pydantic import Field

from shared.config import ServiceSettings


class PrivacySettings(ServiceSettings):
    """Retention in the alerts service (read with the service's other settings)."""

    # Delivered, dead-lettered and cancelled webhook deliveries (with their attempts).
    webhook_delivery_retention_days: float = Field(default=90, gt=0)
    # The changes and moments of alerts whose last occurrence is older than this.
    alert_detail_retention_days: float = Field(default=180, gt=0)
    # Applied event ids: longer than Kafka keeps the events, so a redelivery is still known.
    applied_event_retention_days: float = Field(default=30, gt=0)
    retention_interval_seconds: float = Field(default=3600, gt=0)
    retention_batch: int = Field(default=1000, ge=1)
