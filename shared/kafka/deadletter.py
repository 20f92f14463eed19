"""The dead-letter topic: a bad message is parked there with its reason; the consumer goes on."""

from __future__ import annotations

from collections import deque

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
    group: str,
    reason: str,
    kind: str = "undecodable",
) -> None:
    """Publish ``record`` to ``cx.deadletter``, with where it came from and why: unchanged,
    unless its value exceeds ``MAX_VALUE`` (then its first ``MAX_VALUE`` bytes, and the
    ``dlq_value_bytes`` header gives the original size).

    Waits for the broker's acknowledgement: the caller commits the offset only after it.
    ``kind`` is the bounded class of the reason (``undecodable``: not a cxloop event;
    ``rejected``: its consumer can never apply it), the label of
    ``cxloop_dead_letters_total`` beside the consumer's name and ``group`` (services that
    share a process each run a consumer named ``privacy``: its group tells them apart).
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
    child(DEAD_LETTERS, consumer, group, kind).inc()


class DeadLetterLimitExceeded(RuntimeError):
    """A consumer dead-lettered more than its share of the records it read last; it stopped
    without committing the batch in hand, and stays stopped until its process restarts."""


class DeadLetterLimit:
    """Arroyo's ``DlqLimit`` over a sliding window: of the last ``window`` records read, at
    most ``share`` × ``window`` may be dead-lettered.

    Records are counted batch by batch (:meth:`read` once per batch, before its dead letters),
    so a dead letter counts as read at the end of its batch. A share of 1 never trips.
    """

    def __init__(self, share: float, window: int) -> None:
        self.share = share
        self.window = window
        self._read = 0
        self._dead: deque[int] = deque()  # how many records had been read at each dead letter

    @property
    def dead_in_window(self) -> int:
        return len(self._dead)

    def read(self, records: int) -> None:
        """Count a batch's records; dead letters that leave the window are forgotten."""
        self._read += records
        while self._dead and self._dead[0] <= self._read - self.window:
            self._dead.popleft()

    def admit(self, consumer: str) -> None:
        """Count one more dead letter, before it is published.

        :raises DeadLetterLimitExceeded: when it would make more than the share of the window;
            it is then not counted (nor, by the caller, published).
        """
        if len(self._dead) + 1 > self.share * self.window:
            raise DeadLetterLimitExceeded(
                f"{consumer}: stopped, more than {self.share:.0%} of the last {self.window} "
                f"records would be dead-lettered ({len(self._dead) + 1})"
            )
        self._dead.append(self._read)
