"""The dead-letter topic: a bad message is parked there with its reason; the consumer goes on."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.events.topics import DEADLETTER
from shared.metrics import DEAD_LETTERS, child

MAX_REASON = 2000
# A parked value is cut to this size: the producer refuses records over its max_request_size
# (1 MiB by default), and a record the broker let through may be larger. Parking it whole
# would fail forever and stall the consumer on it.
MAX_VALUE = 512 * 1024


async def dead_letter(
    producer: AIOKafkaProducer,
    record: ConsumerRecord[bytes, bytes],
    consumer: str,
    reason: str,
    kind: str = "undecodable",
) -> None:
    """Publish ``record`` to ``cx.deadletter``, with where it came from and why: unchanged,
    unless its value exceeds ``MAX_VALUE`` (then its first ``MAX_VALUE`` bytes, and the
    ``dlq_value_bytes`` header gives the original size).

    Waits for the broker's acknowledgement: the caller commits the offset only after it.
    ``kind`` is the bounded class of the reason (``undecodable``: not a cxloop event;
    ``rejected``: its consumer can never apply it), the label of
    ``cxloop_dead_letters_total``.
    """
    value = record.value
    truncated: list[tuple[str, bytes]] = []
    if value is not None and len(value) > MAX_VALUE:
        value, truncated = value[:MAX_VALUE], [("dlq_value_bytes", str(len(value)).encode())]
    headers = [
        *(record.headers or ()),
        ("dlq_reason", reason[:MAX_REASON].encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_topic", record.topic.encode()),
        ("dlq_partition", str(record.partition).encode()),
        ("dlq_offset", str(record.offset).encode()),
        *truncated,
    ]
    await producer.send_and_wait(DEADLETTER.name, value=value, key=record.key, headers=headers)
    child(DEAD_LETTERS, consumer, kind).inc()
