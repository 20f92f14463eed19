"""The dead-letter topic: a bad message is parked there with its reason; the consumer goes on."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from shared.events.topics import DEADLETTER
from shared.metrics import DEAD_LETTERS, child

MAX_REASON = 2000


async def dead_letter(
    producer: AIOKafkaProducer,
    record: ConsumerRecord[bytes, bytes],
    consumer: str,
    reason: str,
    kind: str = "undecodable",
) -> None:
    """Publish ``record`` unchanged to ``cx.deadletter``, with where it came from and why.

    Waits for the broker's acknowledgement: the caller commits the offset only after it.
    ``kind`` is the bounded class of the reason (``undecodable``: not a cxloop event;
    ``rejected``: its consumer can never apply it), the label of
    ``cxloop_dead_letters_total``.
    """
    headers = [
        *(record.headers or ()),
        ("dlq_reason", reason[:MAX_REASON].encode()),
        ("dlq_consumer", consumer.encode()),
        ("dlq_topic", record.topic.encode()),
        ("dlq_partition", str(record.partition).encode()),
        ("dlq_offset", str(record.offset).encode()),
    ]
    await producer.send_and_wait(
        DEADLETTER.name, value=record.value, key=record.key, headers=headers
    )
    child(DEAD_LETTERS, consumer, kind).inc()
