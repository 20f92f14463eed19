from __future__ import annotations

from shared.config import ServiceSettings


class AlertsSettings(ServiceSettings):
    service_name: str = "alerts"
    port: int = 8003
