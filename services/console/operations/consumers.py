"""The consumers of one service as its ``/metrics`` tells them: the lag of each group on
each topic (summed over partitions), the records each consumer parked on the dead-letter
topic since its process started, and whether a failure stopped it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from prometheus_client.parser import text_string_to_metric_families

LAG = "cxloop_consumer_lag"
DEAD_LETTERS = "cxloop_dead_letters"
STOPPED = "cxloop_consumer_stopped"


@dataclass
class Consumer:
    name: str
    services: list[str] = field(default_factory=list)  # whose /metrics report it
    groups: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    partitions: int = 0
    lag: int = 0
    dead_letters: int = 0
    stopped: list[str] = field(default_factory=list)  # the reasons it is stopped for


def consumers(metrics: str) -> list[Consumer]:
    """The consumers a ``/metrics`` page names, by name."""
    found: dict[str, Consumer] = {}
    for family in text_string_to_metric_families(metrics):
        for sample in family.samples:
            name = sample.labels.get("consumer")
            if name is None:
                continue
            _add(found.setdefault(name, Consumer(name)), sample.name, sample.labels, sample.value)
    return sorted(found.values(), key=lambda c: c.name)


def _add(consumer: Consumer, metric: str, labels: dict[str, str], value: float) -> None:
    if metric == LAG:
        consumer.groups.add(labels["group"])
        consumer.topics.add(labels["topic"])
        consumer.partitions += 1
        consumer.lag += int(value)
    elif metric == DEAD_LETTERS + "_total":
        consumer.dead_letters += int(value)
    elif metric == STOPPED and value:
        consumer.stopped.append(labels.get("reason", ""))


def merged(by_service: dict[str, list[Consumer]]) -> list[Consumer]:
    """The consumers of every service, one row for a consumer reported the same by several
    (services that share one process, as in the tests, share their metrics)."""
    rows: dict[tuple[object, ...], Consumer] = {}
    for service, found in by_service.items():
        for consumer in found:
            same = (consumer.name, *sorted(consumer.groups), "|", *sorted(consumer.topics))
            key = (*same, consumer.lag, consumer.dead_letters)
            if key in rows:
                rows[key].services.append(service)
            else:
                rows[key] = replace(consumer, services=[service])
    return sorted(rows.values(), key=lambda c: (c.services[0], c.name))
