"""What actions consumes: every consumer of the service, its topics and its group.

The handlers live with their domain; this registry only names them. The consumers of
tasks and of the contact policy ignore the late events of erased customers; the backlog
holds no customer id, and the privacy consumers are the erasure itself.
"""

from __future__ import annotations

from dataclasses import replace

from services.actions.backlog.handlers import BacklogHandlers
from services.actions.config import ActionsSettings
from services.actions.models import customer_erasure
from services.actions.outbox import OutboxRelay
from services.actions.policy.handlers import PolicyHandlers
from services.actions.privacy.erasure import erase_customer
from services.actions.privacy.receipts import ReceiptRecorder
from services.actions.surveys.handlers import apply_answers
from services.actions.tasks.opening import TaskOpener
from services.actions.tasks.recovery import RecoveryFollower
from shared.erasure import ErasureConsumer, skipping_erased_in
from shared.events.topics import (
    ALERTS,
    CUSTOMERS,
    INTERACTIONS,
    MOMENTS,
    PRIVACY,
    SURVEY_RESPONSES,
    TASK_EVENTS,
)
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec

# On the closed loop's path (an alert opens a task; an interaction at a moment of truth
# asks for an invitation, judged with the customer's profile): they keep the service's
# KAFKA_FETCH_MAX_WAIT_MS. The profiles' consumer fetching four times a second, a profile
# posted just before its customer's first interactions was often not yet applied when they
# were decided (persona and locale unknown: no quota, no language).
HOT = frozenset({"tasks", "invitations", "policy-profiles"})


def consumer_specs(
    settings: ActionsSettings, journey: JourneyMapHolder, task_relay: OutboxRelay
) -> list[ConsumerSpec]:
    """The consumers to run; ``task_relay`` publishes the task changes they commit. All
    but those of :data:`HOT` fetch with ``background_fetch_max_wait_ms``."""
    specs = [
        *skipping_erased_in(customer_erasure, _customer_consumers(settings, journey, task_relay)),
        *_backlog_consumers(settings, journey),
        *_privacy_consumers(settings),
    ]
    background = settings.background_fetch_max_wait_ms
    return [
        spec if spec.name in HOT else replace(spec, fetch_max_wait_ms=background) for spec in specs
    ]


def _customer_consumers(
    settings: ActionsSettings, journey: JourneyMapHolder, task_relay: OutboxRelay
) -> list[ConsumerSpec]:
    policy = PolicyHandlers(settings, journey)
    policy_batch = settings.policy_consumer_batch
    return [
        ConsumerSpec(
            name="tasks",
            topics=(ALERTS,),
            group="actions-tasks",
            handler=TaskOpener(settings, journey, task_relay).apply,
            max_batch=settings.tasks_consumer_batch,
        ),
        ConsumerSpec(
            name="recovery",
            topics=(MOMENTS,),
            group="actions-recovery",
            handler=RecoveryFollower(settings).apply,
            max_batch=settings.recovery_consumer_batch,
        ),
        ConsumerSpec(
            name="policy-profiles",
            topics=(CUSTOMERS,),
            group="actions-policy-profiles",
            handler=policy.profiles,
            max_batch=policy_batch,
        ),
        ConsumerSpec(
            name="policy-tasks",
            topics=(TASK_EVENTS,),
            group="actions-policy-tasks",
            handler=policy.task_changes,
            max_batch=policy_batch,
        ),
        ConsumerSpec(
            name="invitations",
            topics=(INTERACTIONS,),
            group="actions-invitations",
            handler=policy.interactions,
            max_batch=policy_batch,
        ),
        ConsumerSpec(
            name="invitation-answers",
            topics=(SURVEY_RESPONSES,),
            group="actions-invitation-answers",
            handler=apply_answers,
            max_batch=policy_batch,
        ),
    ]


def _backlog_consumers(settings: ActionsSettings, journey: JourneyMapHolder) -> list[ConsumerSpec]:
    backlog = BacklogHandlers(settings, journey)
    batch = settings.backlog_consumer_batch
    return [
        ConsumerSpec(
            name="backlog-spikes",
            topics=(ALERTS,),
            group="actions-backlog-spikes",
            handler=backlog.apply_alerts,
            max_batch=batch,
        ),
        ConsumerSpec(
            name="backlog-tasks",
            topics=(TASK_EVENTS,),
            group="actions-backlog-tasks",
            handler=backlog.apply_tasks,
            max_batch=batch,
        ),
        ConsumerSpec(
            name="backlog-negatives",
            topics=(MOMENTS,),
            group="actions-backlog-negatives",
            handler=backlog.apply_moments,
            max_batch=batch,
        ),
    ]


def _privacy_consumers(settings: ActionsSettings) -> list[ConsumerSpec]:
    return [
        ConsumerSpec(
            name="privacy",
            topics=(PRIVACY,),
            group="actions-privacy",
            handler=ErasureConsumer("actions", customer_erasure, erase_customer).handle,
        ),
        ConsumerSpec(
            name="erasure-receipts",
            topics=(PRIVACY,),
            group="actions-erasure-receipts",
            handler=ReceiptRecorder(settings).apply,
        ),
    ]
