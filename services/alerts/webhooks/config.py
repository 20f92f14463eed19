from __future__ import annotations

from shared.config import ServiceSettings


class WebhookSettings(ServiceSettings):
    """Settings of the alerts service's webhooks (read with the service's other settings)."""
