"""What the alerts service purges: old deliveries, details of finished alerts, applied ids.

Alerts themselves stay (the history and the committee's view of spikes); so do the spike
counters, which the rules prune as their windows slide.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Table, select

from services.alerts.models import processed_event
from services.alerts.privacy.config import PrivacySettings
from services.alerts.rules.models import alert, alert_change, alert_moment
from services.alerts.webhooks.models import DeliveryStatus, WebhookDelivery, webhook_event
from shared.retention import Older, Purge

deliveries: Table = WebhookDelivery.__table__  # type: ignore[assignment]


def _sent_before(cut_off: datetime) -> ColumnElement[bool]:
    return (deliveries.c.status != DeliveryStatus.PENDING.value) & (
        deliveries.c.created_at < cut_off
    )


def _of_finished_alerts(table: Table) -> Older:
    def older(cut_off: datetime) -> ColumnElement[bool]:
        return table.c.alert_id.in_(select(alert.c.id).where(alert.c.last_at < cut_off))

    return older


def _applied_before(table: Table) -> Older:
    def older(cut_off: datetime) -> ColumnElement[bool]:
        return table.c.processed_at < cut_off

    return older


def purges(settings: PrivacySettings) -> list[Purge]:
    details = timedelta(days=settings.alert_detail_retention_days)
    applied = timedelta(days=settings.applied_event_retention_days)
    return [
        Purge(
            "webhook_delivery",
            deliveries,
            timedelta(days=settings.webhook_delivery_retention_days),
            _sent_before,
        ),
        Purge("alert_change", alert_change, details, _of_finished_alerts(alert_change)),
        Purge("alert_moment", alert_moment, details, _of_finished_alerts(alert_moment)),
        Purge("processed_event", processed_event, applied, _applied_before(processed_event)),
        Purge("webhook_event", webhook_event, applied, _applied_before(webhook_event)),
    ]
