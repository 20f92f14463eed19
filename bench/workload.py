"""Interactions as the website and call centre post them, and as ingest puts them on Kafka."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from shared.events.envelope import encode
from shared.events.schemas import Channel, InteractionRecorded, Outcome

INGEST_SOURCE = "/cxloop/ingest"
CUSTOMERS = 10_000
BATCH_MAX_BYTES = 1_000_000
TOUCHPOINTS = (
    "checkout",
    "delivery",
    "returns",
    "billing",
    "support-call",
    "onboarding",
    "store-visit",
    "password-reset",
)
DEVICES = ("ios", "android", "desktop")
CHANNELS = tuple(Channel)
OUTCOMES = tuple(Outcome)
OUTCOME_WEIGHTS = (80, 15, 5)


class KafkaRecord(NamedTuple):
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


class Workload:
    """Distinct interactions: event ids unique to the run and the stream, customers spread
    over :data:`CUSTOMERS` ids, each dated one to five minutes before the workload was made.
    """

    def __init__(self, run_id: str, stream: str) -> None:
        self._prefix = f"bench-{run_id}-{stream}-"
        self._rng = random.Random(stream)
        self._count = 0
        self._now = datetime.now(UTC)

    def interaction(self) -> dict[str, Any]:
        rng = self._rng
        self._count += 1
        occurred_at = self._now - timedelta(seconds=rng.uniform(60, 300))
        return {
            "event_id": f"{self._prefix}{self._count}",
            "customer_id": f"bench-customer-{rng.randrange(CUSTOMERS):05d}",
            "touchpoint": rng.choice(TOUCHPOINTS),
            "channel": rng.choice(CHANNELS).value,
            "occurred_at": occurred_at.isoformat(),
            "outcome": rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0].value,
            "wait_seconds": round(rng.uniform(0, 600), 1),
            "duration_seconds": round(rng.uniform(5, 1800), 1),
            "transfers": rng.randrange(3),
            "attributes": {
                "order_value": round(rng.uniform(5, 500), 2),
                "device": rng.choice(DEVICES),
            },
        }


def _json(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def event_body(workload: Workload) -> bytes:
    """The body of one ``POST /v1/interactions``."""
    return _json(workload.interaction())


def batch_body(workload: Workload, size: int) -> bytes:
    """The body of one ``POST /v1/batch`` of ``size`` interactions."""
    items = [{"type": "interaction", **workload.interaction()} for _ in range(size)]
    body = _json({"items": items})
    if len(body) > BATCH_MAX_BYTES:
        raise ValueError(f"a batch of {size} is {len(body):,} bytes, over the 1 MB limit")
    return body


def kafka_record(workload: Workload) -> KafkaRecord:
    """One interaction as ingest publishes it: same key, headers and value."""
    item = workload.interaction()
    event = InteractionRecorded.model_validate({**item, "received_at": datetime.now(UTC)})
    message = encode(event, INGEST_SOURCE)
    return KafkaRecord(event.customer_id.encode(), message.value, list(message.headers.items()))
