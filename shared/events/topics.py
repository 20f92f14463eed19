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


INTERACTIONS = Topic("cx.interactions")
SURVEY_RESPONSES = Topic("cx.survey-responses")
CUSTOMERS = Topic("cx.customers", compacted=True)
MOMENTS = Topic("cx.moments")
ALERTS = Topic("cx.alerts")
TASK_EVENTS = Topic("cx.task-events")
JOURNEY_MAP = Topic("cx.journey-map", compacted=True, partitions=1)
DEADLETTER = Topic("cx.deadletter")

ALL_TOPICS: tuple[Topic, ...] = (
    INTERACTIONS,
    SURVEY_RESPONSES,
    CUSTOMERS,
    MOMENTS,
    ALERTS,
    TASK_EVENTS,
    JOURNEY_MAP,
    DEADLETTER,
)
