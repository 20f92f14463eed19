"""What alerts consumes: every consumer of the service, its topics and its group.

The handlers live with their domain; this registry only names them. The rules and the
webhooks ignore the late events of erased customers; the privacy consumer is the erasure.
"""

from __future__ import annotations

from services.alerts.config import AlertsSettings
from services.alerts.models import customer_erasure
from services.alerts.privacy.erasure import erase_customer
from services.alerts.rules.closing import close_alerts
from services.alerts.rules.service import RulesService
from services.alerts.webhooks.fanout import FanOut
from services.alerts.webhooks.wakeup import Wakeup
from shared.erasure import ErasureConsumer, skipping_erased_in
from shared.events.topics import ALERTS, MOMENTS, PRIVACY, TASK_EVENTS
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec


def consumer_specs(
    settings: AlertsSettings, journey: JourneyMapHolder, webhook_wakeup: Wakeup
) -> list[ConsumerSpec]:
    """The consumers to run; ``webhook_wakeup`` tells the delivery worker of new deliveries."""
    return [
        *skipping_erased_in(
            customer_erasure, _customer_consumers(settings, journey, webhook_wakeup)
        ),
        ConsumerSpec(
            name="privacy",
            topics=(PRIVACY,),
            group="alerts-privacy",
            handler=ErasureConsumer("alerts", customer_erasure, erase_customer).handle,
        ),
    ]


def _customer_consumers(
    settings: AlertsSettings, journey: JourneyMapHolder, webhook_wakeup: Wakeup
) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="rules",
            topics=(MOMENTS,),
            group="alerts-rules",
            handler=RulesService(settings, journey).apply,
            max_batch=settings.rules_consumer_batch,
        ),
        ConsumerSpec(
            name="alert-closing",
            topics=(TASK_EVENTS,),
            group="alerts-closing",
            handler=close_alerts,
        ),
        ConsumerSpec(
            name="webhooks",
            topics=(ALERTS, TASK_EVENTS),
            group="alerts-webhooks",
            handler=FanOut(settings, webhook_wakeup).handle,
        ),
    ]
