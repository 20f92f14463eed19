"""The consumers of one service as its ``/metrics`` tells them: the lag of each group on
each topic (summed over partitions), the records each consumer parked on the dead-letter
topic since its process started, and whether a failure stopped it; and the rows of the
operations page, each naming the service that runs the consumer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from prometheus_client.parser import text_string_to_metric_families

LAG = "cxloop_consumer_lag"
DEAD_LETTERS = "cxloop_dead_letters"
STOPPED = "cxloop_consumer_stopped"


@dataclass
class Consumer:
    name: str
    # the service that runs it; when its group names none, the services whose /metrics
    # report it
    services: list[str] = field(default_factory=list)
    groups: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    partitions: int = 0
    lag: int = 0
    dead_letters: int = 0
    stopped: list[str] = field(default_factory=list)  # the reasons it is stopped for


def consumers(metrics: str) -> list[Consumer]:
    """The consumers a ``/metrics`` page names, one per name and group: the services of one
    process may each run a consumer of the same name (``privacy``), and their dead letters
    and stops are labelled with the group too. A consumer run as several instances labels
    its stops per instance (``experience#0``), and they count on its row."""
    samples = [
        sample
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if "consumer" in sample.labels
    ]
    found: dict[tuple[str, str], Consumer] = {}
    for sample in samples:
        if sample.name == LAG:
            key = (sample.labels["consumer"], sample.labels["group"])
            _add(found.setdefault(key, Consumer(key[0])), sample.name, sample.labels, sample.value)
    for sample in samples:
        if sample.name != LAG:
            name = sample.labels["consumer"]
            base = name.partition("#")[0]  # an instance's label: its consumer's name, #n
            group = sample.labels.get("group")  # absent from an earlier release's metrics
            named = [
                c
                for (n, g), c in found.items()
                if n in (name, base) and (group is None or g == group)
            ]
            orphan = (base, group or "")
            for consumer in named or [found.setdefault(orphan, Consumer(base))]:
                _add(consumer, sample.name, sample.labels, sample.value)
    return sorted(found.values(), key=lambda c: (c.name, sorted(c.groups)))


def _add(consumer: Consumer, metric: str, labels: dict[str, str], value: float) -> None:
    if metric == LAG:
        consumer.groups.add(labels["group"])
        consumer.topics.add(labels["topic"])
        consumer.partitions += 1
        consumer.lag += int(value)
        return
    if labels.get("group"):  # what names the service of a consumer that has no lag yet
        consumer.groups.add(labels["group"])
    if metric == DEAD_LETTERS + "_total":
        consumer.dead_letters += int(value)
    elif metric == STOPPED and value:
        consumer.stopped.append(labels.get("reason", ""))


def merged(by_service: dict[str, list[Consumer]], services: Sequence[str]) -> list[Consumer]:
    """The consumers ``by_service`` reports (``services`` are every service the page reads,
    answering or not), one row each, naming the service that runs it.

    Services that share one process (the tests, a laptop) share their metrics: each one's
    ``/metrics`` reports every consumer of the process. A consumer's group names its
    service (``scoring``, ``actions-tasks``: each service prefixes its groups so), and its
    row takes that service's reading when it answered. A consumer whose group names no
    service names the services that report it."""
    rows: dict[tuple[object, ...], Consumer] = {}
    for service, found in by_service.items():
        for consumer in found:
            key = (consumer.name, *sorted(consumer.groups), "|", *sorted(consumer.topics))
            runner, kept = service_of(consumer, services), rows.get(key)
            if runner is not None and (kept is None or service == runner):
                rows[key] = replace(consumer, services=[runner])
            elif runner is None and kept is None:
                rows[key] = replace(consumer, services=[service])
            elif runner is None and kept is not None:
                kept.services.append(service)
    return sorted(rows.values(), key=lambda c: (c.services[0], c.name, sorted(c.groups)))


def service_of(consumer: Consumer, services: Sequence[str]) -> str | None:
    """The one of ``services`` that ``consumer``'s groups are named after, if one is."""
    named = {
        service
        for service in services
        for group in consumer.groups
        if group == service or group.startswith(service + "-")
    }
    return named.pop() if len(named) == 1 else None
