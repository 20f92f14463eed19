from __future__ import annotations

from services.alerts.privacy.config import PrivacySettings
from services.alerts.rules.config import RulesSettings
from services.alerts.webhooks.config import WebhookSettings


class AlertsSettings(RulesSettings, WebhookSettings, PrivacySettings):
    service_name: str = "alerts"
    port: int = 8003
