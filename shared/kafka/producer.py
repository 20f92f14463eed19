"""The one Kafka producer of a process, publishing cxloop events durably (acks=all)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import BrokerResponseError, KafkaError

from shared.config import ServiceSettings
from shared.events.envelope import record
from shared.events.schemas import Event
from shared.kafka.partitioner import key_partitioner, partitions_of
from shared.kafka.readiness import TopicGate
from shared.metrics import EVENTS_PRODUCED, child

# A batch being filled for one partition, and the indexes of the events in it.
_Filled = tuple[Any, list[int]]
# What became of one event handed to the producer: the future of its batch, the error that
# kept it from the producer, or nothing yet (the deadline came first).
Delivery = asyncio.Future[Any] | BaseException | None


class BrokerUnavailable(RuntimeError):
    """The broker did not acknowledge in time; nothing may be claimed accepted."""


class IdempotenceRefused(RuntimeError):
    """The broker answers but grants no idempotent producer id: retrying changes nothing."""


def create_producer(settings: ServiceSettings, **overrides: Any) -> AIOKafkaProducer:
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.service_name,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": settings.kafka_linger_ms,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "retry_backoff_ms": 100,
        "max_batch_size": 256 * 1024,
        "compression_type": None,
        "partitioner": key_partitioner,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


class EventPublisher:
    """Publishes events and waits for the broker's acknowledgement of each.

    ``publish_many`` returns one outcome per event, in order: ``None`` when the broker
    acknowledged it, or the error that kept it from being acknowledged. Either way every
    event is handed to the producer before any acknowledgement is awaited. With a ``gate``,
    nothing is sent while it is closed (every outcome is then ``BrokerUnavailable``), and a
    failed publication closes it until its next check.
    """

    def __init__(
        self,
        producer: AIOKafkaProducer,
        source: str,
        timeout: float,
        gate: TopicGate | None = None,
    ) -> None:
        self._producer = producer
        self._source = source.encode()
        self._timeout = timeout
        self._gate = gate

    @property
    def producer(self) -> AIOKafkaProducer:
        return self._producer

    async def publish(self, event: Event) -> None:
        """:raises BrokerUnavailable: when the broker does not acknowledge in time."""
        (error,) = await self.publish_many([event])
        if error is not None:
            raise BrokerUnavailable(str(error)) from error

    async def delete_key(self, topic: str, key: str) -> None:
        """Publish a tombstone (a null value) for ``key``: a compacted topic then drops
        every record of that key.

        :raises BrokerUnavailable: when the broker does not acknowledge in time, or the gate
            is closed.
        """
        if self._gate is not None and not self._gate.open:
            raise BrokerUnavailable(f"topics not ready: {self._gate.reason}")
        try:
            async with asyncio.timeout(self._timeout):
                await self._producer.send_and_wait(topic, value=None, key=key.encode())
        except (KafkaError, TimeoutError) as exc:
            if self._gate is not None:
                self._gate.close(f"a publication failed: {type(exc).__name__}: {exc}")
            raise BrokerUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def publish_many(
        self, events: Sequence[Event], *, as_batches: bool = False
    ) -> list[BaseException | None]:
        """``as_batches``: hand the events over as one batch per partition (aiokafka's batch
        API: one enqueueing and one future per batch, not per record), for a caller that
        publishes large sets with few others at once, such as a consumer runner. A batch
        waits until the partition has no other batch pending, so many concurrent callers
        (HTTP requests) publish per record instead: the producer then gathers their records
        into one batch per partition."""
        if self._gate is not None and not self._gate.open:
            refused = [BrokerUnavailable(f"topics not ready: {self._gate.reason}") for _ in events]
            _count(events, refused)
            return list(refused)
        outcomes = await self._publish(events, as_batches)
        if self._gate is not None and (failure := next((o for o in outcomes if o), None)):
            self._gate.close(f"a publication failed: {failure}")
        return outcomes

    async def _publish(
        self, events: Sequence[Event], as_batches: bool
    ) -> list[BaseException | None]:
        sent: list[Delivery] = [None] * len(events)
        try:
            async with asyncio.timeout(self._timeout):
                if as_batches:
                    await self._enqueue_batches(events, sent)
                else:
                    await self._enqueue_records(events, sent)
                pending = {d for d in sent if isinstance(d, asyncio.Future)}
                if pending:
                    await asyncio.wait(pending)
        except TimeoutError:
            pass
        # once per delivery: the events of one batch share its future
        outcome = {delivery: self._outcome(delivery) for delivery in set(sent)}
        outcomes = list(map(outcome.__getitem__, sent))
        _count(events, outcomes)
        return outcomes

    async def _enqueue_records(self, events: Sequence[Event], sent: list[Delivery]) -> None:
        """Hand the events to the producer's buffer one by one; ``sent[i]`` becomes event i's
        future, resolved on the broker's acknowledgement, or the error that kept it out."""
        for index, event in enumerate(events):
            key, value, headers = record(event, self._source)
            try:
                sent[index] = await self._producer.send(
                    event.topic.name, value=value, key=key, headers=headers
                )
            except KafkaError as exc:
                sent[index] = BrokerUnavailable(f"{type(exc).__name__}: {exc}")

    async def _enqueue_batches(self, events: Sequence[Event], sent: list[Delivery]) -> None:
        """Hand the events to the producer, one batch per partition, each partition's in the
        order given, the partitions side by side (each may wait for the batch before it to
        be drained). ``sent[i]`` becomes the future of event i's batch, resolved on the
        broker's acknowledgement, or the error that kept it from the producer."""
        filled = await self._fill_batches(events, sent)
        await asyncio.gather(
            *(
                self._enqueue_partition(topic, partition, batches, sent)
                for (topic, partition), batches in filled.items()
            )
        )

    async def _enqueue_partition(
        self, topic: str, partition: int, batches: list[_Filled], sent: list[Delivery]
    ) -> None:
        for batch, indexes in batches:
            delivery: Delivery
            try:
                delivery = await self._producer.send_batch(batch, topic, partition=partition)
            except KafkaError as exc:
                delivery = BrokerUnavailable(f"{type(exc).__name__}: {exc}")
            for index in indexes:
                sent[index] = delivery

    async def _fill_batches(
        self, events: Sequence[Event], sent: list[Delivery]
    ) -> dict[tuple[str, int], list[_Filled]]:
        """The events' records, each appended as soon as it is encoded (so it is not kept
        besides) to a batch of its partition (``_placements``), in as few batches as they
        fit (``max_batch_size`` each), with the indexes of their events. An event whose
        topic has no known partitions gets its error in ``sent``."""
        filled: dict[tuple[str, int], list[_Filled]] = {}
        source, create_batch = self._source, self._producer.create_batch
        for index, where in enumerate(await self._placements(events, sent)):
            if where is None:
                continue
            key, value, headers = record(events[index], source)
            batches = filled.get(where)
            if batches is None:
                batches = filled[where] = []
            else:
                batch, indexes = batches[-1]
                if _append(batch, key, value, headers):
                    indexes.append(index)
                    continue
            batch = create_batch()
            _append(batch, key, value, headers)  # a batch always takes its first record
            batches.append((batch, [index]))
        return filled

    async def _placements(
        self, events: Sequence[Event], sent: list[Delivery]
    ) -> list[tuple[str, int] | None]:
        """The topic and partition of each event: the partition ``send`` would choose (the
        producer's partitioner, the Java client's default: murmur2 of the key, so one
        customer's events stay in one partition whoever publishes them), the keys of a
        topic hashed together. None for an event whose topic has no known partitions, its
        error put in ``sent``."""
        by_topic: dict[str, list[int]] = {}
        for index, event in enumerate(events):
            by_topic.setdefault(event.topic.name, []).append(index)
        placed: list[tuple[str, int] | None] = [None] * len(events)
        for topic, indexes in by_topic.items():
            known = await self._partitions(topic)
            if isinstance(known, BaseException):
                for index in indexes:
                    sent[index] = known
                continue
            keys = [events[index].customer_id.encode() for index in indexes]
            for index, partition in zip(indexes, partitions_of(keys, known), strict=True):
                placed[index] = (topic, partition)
        return placed

    async def _partitions(self, topic: str) -> list[int] | BaseException:
        try:
            return sorted(await self._producer.partitions_for(topic))
        except KafkaError as exc:
            return BrokerUnavailable(f"{type(exc).__name__}: {exc}")

    @staticmethod
    def _outcome(sent: Delivery) -> BaseException | None:
        if sent is None:
            return BrokerUnavailable("not handed to the broker before the deadline")
        if isinstance(sent, BaseException):
            return sent
        if not sent.done():
            # Reported as unavailable now; whatever it ends with later is nobody's to handle.
            sent.add_done_callback(_discard_outcome)
            return BrokerUnavailable("no acknowledgement before the deadline")
        error = sent.exception()
        if error is None:
            return None
        return BrokerUnavailable(f"{type(error).__name__}: {error}")


def _append(batch: Any, key: bytes, value: bytes, headers: list[tuple[str, bytes]]) -> bool:
    """Add a record to ``batch``; False when the batch is full."""
    return batch.append(key=key, value=value, timestamp=None, headers=headers) is not None


def _count(events: Sequence[Event], outcomes: Sequence[BaseException | None]) -> None:
    """Add the outcomes to ``cxloop_events_produced_total``, once per topic and outcome."""
    tally: Counter[tuple[str, str]] = Counter()
    if not any(outcomes):
        # all acknowledged, the usual case: the events counted by type in C, not one by one
        kinds: Counter[type[Event]] = Counter(map(type, events))
        for kind, count in kinds.items():
            tally[kind.topic.name, "acknowledged"] += count
    else:
        for event, error in zip(events, outcomes, strict=True):
            tally[event.topic.name, "failed" if error else "acknowledged"] += 1
    for (topic, outcome), count in tally.items():
        child(EVENTS_PRODUCED, topic, outcome).inc(count)


def _discard_outcome(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


async def ping_broker(producer: AIOKafkaProducer) -> None:
    """:raises KafkaError: when no broker answers a metadata request."""
    await producer.client.fetch_all_metadata()


async def start_when_reachable(client: Any, wait: float, *, idempotent: bool = False) -> None:
    """Start an aiokafka client, retrying while the broker comes up (e.g. started together).

    :raises KafkaError: no broker answered within ``wait`` seconds.
    :raises IdempotenceRefused: ``client`` is an ``idempotent`` producer whose broker
        answered, then refused it a producer id (``InitProducerId``), as the embedded
        broker does.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        try:
            await client.start()
            return
        except KafkaError as exc:
            if idempotent and _refused(client, exc):
                await client.stop()
                raise IdempotenceRefused(
                    f"the broker answers but refuses an idempotent producer ({exc!r} on "
                    "InitProducerId): a broker without one, such as the embedded broker, "
                    "needs KAFKA_ENABLE_IDEMPOTENCE=false"
                ) from exc
            if loop.time() > deadline:
                raise
            await asyncio.sleep(0.5)


def _refused(producer: AIOKafkaProducer, error: KafkaError) -> bool:
    # An idempotent producer starts in two steps: metadata (the broker answers), then a
    # producer id. A broker's error answer with the metadata known is the second step
    # refused, after aiokafka retried what can be retried; a lost connection is not.
    return isinstance(error, BrokerResponseError) and bool(producer.client.cluster.brokers())
