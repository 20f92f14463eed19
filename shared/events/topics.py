"""Kafka topics of cxloop. Every message is keyed by customer id."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Topic:
    name: str
    compacted: bool = False
    # None: the deployment's default partition count (KAFKA_DEFAULT_PARTITIONS).
    partitions: int | None = None
    configs: dict[str, str] = field(default_factory=dict)
    # Raw customer events: kept KAFKA_RAW_EVENT_RETENTION_HOURS (retention.ms at creation).
    # A customer's records cannot be deleted one by one there; they expire with the topic.
    raw_events: bool = False


INTERACTIONS = Topic("cx.interactions", raw_events=True)
SURVEY_RESPONSES = Topic("cx.survey-responses", raw_events=True)
CUSTOMERS = Topic("cx.customers", compacted=True)
MOMENTS = Topic("cx.moments", raw_events=True)
ALERTS = Topic("cx.alerts")
TASK_EVENTS = Topic("cx.task-events")
JOURNEY_MAP = Topic("cx.journey-map", compacted=True, partitions=1)
DEADLETTER = Topic("cx.deadletter")
# Erasure requests and each service's confirmation, keyed by the erased customer's id.
PRIVACY = Topic("cx.privacy")

ALL_TOPICS: tuple[Topic, ...] = (
    INTERACTIONS,
    SURVEY_RESPONSES,
    CUSTOMERS,
    MOMENTS,
    ALERTS,
    TASK_EVENTS,
    JOURNEY_MAP,
    DEADLETTER,
    PRIVACY,
)
