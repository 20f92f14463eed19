"""One runner for every consumer: batches, idempotent effects, commit after the database.

For each batch from ``getmany``: decode every record (a malformed one goes to the dead-letter
topic), hand the rest to the consumer's handler inside one database transaction, commit it,
publish the events the handler returned, and only then commit offset+1 per partition.
A crash anywhere before the offset commit means redelivery, which the handlers make a no-op
(each event id is recorded in the same transaction as its effect).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.coordinator.assignors.range import RangePartitionAssignor
from aiokafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.structs import ConsumerRecord
from prometheus_client import Gauge
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.config import ServiceSettings
from shared.db.inbox import claim_new
from shared.events.envelope import Envelope, InvalidEnvelope, decode
from shared.events.schemas import Event
from shared.events.topics import Topic
from shared.kafka.deadletter import DeadLetterLimit, DeadLetterLimitExceeded, dead_letter
from shared.kafka.producer import EventPublisher
from shared.metrics import BATCH_SECONDS, CONSUMER_LAG, EVENTS_CONSUMED, child

log = structlog.get_logger(__name__)

# How a group shares its topics' partitions: by range, each topic's partitions laid out in
# the same order over the same members, so that one member holds partition p of every topic
# it reads. The topics are keyed by customer with one partitioner and one partition count,
# so a customer's interactions, survey responses and profile reach one member, and two
# members never wait on each other's lock of that customer's row. Round robin over all the
# group's partitions split them: with 4 members over three topics of 6 partitions, partition
# p of the second and third topics always went to two different members. Round robin stays
# second, for the members of a group that do not offer range yet (a rolling upgrade).
ASSIGNORS = (RangePartitionAssignor, RoundRobinPartitionAssignor)


class Consumed(NamedTuple):
    """A decoded record with its position, as handlers receive it (a tuple: one is built
    per record consumed, in half the time of a frozen dataclass)."""

    record: ConsumerRecord[bytes, bytes]
    envelope: Envelope

    @property
    def event(self) -> Event:
        return self.envelope.data


Handler = Callable[[AsyncSession, Sequence[Consumed]], Awaitable[Sequence[Event]]]


async def only_new(
    session: AsyncSession, processed: Table, batch: Sequence[Consumed]
) -> list[Consumed]:
    """Claim the batch's event ids in ``processed``; return the events not applied before.

    Call it inside the handler's transaction: the claim commits with the effects or not at
    all. An id repeated within the batch is returned once, at its first position.
    """
    fresh = await claim_new(session, processed, (c.envelope.id for c in batch))
    new: list[Consumed] = []
    for consumed in batch:
        if consumed.envelope.id in fresh:
            fresh.discard(consumed.envelope.id)
            new.append(consumed)
    return new


class InvalidEvent(Exception):
    """Raised by a handler for one event it can never process; that event is dead-lettered."""

    def __init__(self, consumed: Consumed, reason: str) -> None:
        super().__init__(reason)
        self.consumed = consumed
        self.reason = reason


class ConsumerStalled(RuntimeError):
    """A batch kept failing past the retry budget; nothing of it was committed."""


@dataclass(frozen=True)
class ConsumerSpec:
    name: str
    topics: tuple[Topic, ...]
    group: str
    handler: Handler
    max_batch: int = 500
    poll_timeout_ms: int = 250
    max_retries: int = 5
    retry_backoff: float = 0.5
    # Consumers of this spec in one process, sharing the group's partitions: while one
    # waits on the database, another decodes or computes.
    instances: int = 1
    # How long the broker may hold an empty fetch of this consumer; None: the service's
    # KAFKA_FETCH_MAX_WAIT_MS. Longer, an idle consumer fetches less often (each fetch costs
    # its process and the embedded broker CPU) and waits longer for a record there.
    fetch_max_wait_ms: int | None = None


class _WaitForBatch(ConsumerRebalanceListener):  # type: ignore[misc]
    """Holds a rebalance until the batch in hand is processed and its offsets committed."""

    def __init__(self, lock: asyncio.Lock, lag: _Lag) -> None:
        self._lock = lock
        self._lag = lag

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._lock:
            self._lag.forget(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        pass


class _Lag:
    """``cxloop_consumer_lag`` of one runner's partitions; a partition it loses is removed."""

    def __init__(self, spec: ConsumerSpec) -> None:
        self._spec = spec
        self._shown: set[TopicPartition] = set()

    async def update(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        """Set the lag of each assigned partition the consumer has fetched from; return
        those whose log now ends before the consumer's position (see ``_read_new``)."""
        behind = []
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue  # nothing fetched yet: its position may not be known either
            try:
                position = await consumer.position(tp)
            except IllegalStateError:
                continue  # revoked meanwhile
            if highwater < position:
                behind.append(tp)
            self._gauge(tp).set(max(highwater - position, 0))
            self._shown.add(tp)
        return behind

    def forget(self, partitions: set[TopicPartition] | None = None) -> None:
        for tp in self._shown if partitions is None else partitions & self._shown:
            CONSUMER_LAG.remove(self._spec.name, self._spec.group, tp.topic, str(tp.partition))
        self._shown = set() if partitions is None else self._shown - partitions

    def _gauge(self, tp: TopicPartition) -> Gauge:
        return CONSUMER_LAG.labels(self._spec.name, self._spec.group, tp.topic, str(tp.partition))


class ConsumerRunner:
    def __init__(
        self,
        spec: ConsumerSpec,
        settings: ServiceSettings,
        sessions: async_sessionmaker[AsyncSession],
        publisher: EventPublisher,
        instance: int = 0,
    ) -> None:
        self.spec = spec
        self.label = f"{spec.name}#{instance}" if spec.instances > 1 else spec.name
        self._settings = settings
        self._sessions = sessions
        self._publisher = publisher
        self._stopping = asyncio.Event()
        self._lock = asyncio.Lock()
        self._lag = _Lag(spec)
        self._limit = DeadLetterLimit(
            settings.dead_letter_limit_share, settings.dead_letter_limit_window
        )
        self.processed = 0
        self.dead_lettered = 0

    def stop(self) -> None:
        """Ask the runner to finish the batch in hand, commit it and leave the group."""
        self._stopping.set()

    async def wait_stopped(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for :meth:`stop`; True if it was asked."""
        try:
            await asyncio.wait_for(self._stopping.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def run(self, on_started: Callable[[], None] | None = None) -> None:
        """Consume until :meth:`stop`; call ``on_started`` once the consumer has started.

        :raises ConsumerStalled: a batch failed ``max_retries`` times; its offsets stay
            uncommitted, so whoever takes the partitions next reprocesses it.
        :raises DeadLetterLimitExceeded: the batch in hand would make the dead letters exceed
            their share of the last records read (see ``ServiceSettings``); its offsets stay
            uncommitted, and the dead letter that would exceed it is not published.
        """
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=f"{self._settings.service_name}-{self.label}",
            group_id=self._settings.kafka_group_prefix + self.spec.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            fetch_max_wait_ms=self.spec.fetch_max_wait_ms or self._settings.kafka_fetch_max_wait_ms,
            session_timeout_ms=self._settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(self._settings.kafka_session_timeout_ms // 5, 500),
            partition_assignment_strategy=ASSIGNORS,
        )
        listener = _WaitForBatch(self._lock, self._lag)
        consumer.subscribe([t.name for t in self.spec.topics], listener=listener)
        try:
            if not await self._until_stopped(consumer.start()):
                return
            log.info("consumer started", consumer=self.spec.name, group=self.spec.group)
            if on_started is not None:
                on_started()
            while not self._stopping.is_set():
                batch = await consumer.getmany(
                    timeout_ms=self.spec.poll_timeout_ms, max_records=self.spec.max_batch
                )
                async with self._lock:
                    if batch:
                        await self._process(consumer, batch)
                    await self._read_new(consumer, await self._lag.update(consumer))
        finally:
            await consumer.stop()
            self._lag.forget()
            log.info("consumer stopped", consumer=self.spec.name)

    async def _read_new(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> None:
        """Read from their beginning the partitions whose log ends before our position.

        A log never shrinks below what was read from it: such a partition is a new one of the
        same name (the broker lost its topics and they were created again). Fetching on from
        the old position would skip the new records up to it; Kafka would answer "offset out
        of range" and apply the reset policy, but not every compatible broker does.
        """
        for tp in partitions:
            log.warning(
                "partition is new (its log ends before our position): reading it from the start",
                consumer=self.spec.name,
                topic=tp.topic,
                partition=tp.partition,
            )
        if partitions:
            await consumer.seek_to_beginning(*partitions)

    async def _until_stopped(self, step: Awaitable[None]) -> bool:
        """Run ``step`` unless :meth:`stop` comes first (then cancel it); True if it ran."""
        task = asyncio.ensure_future(step)
        stopping = asyncio.ensure_future(self._stopping.wait())
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if task.done():
            task.result()
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False

    async def _process(
        self,
        consumer: AIOKafkaConsumer,
        batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
    ) -> None:
        started = time.perf_counter()
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        self._limit.read(sum(len(records) for records in batch.values()))
        consumed: list[Consumed] = []
        for records in batch.values():
            for record in records:
                if record.value is None:
                    continue  # a compaction tombstone (an erased customer's profile)
                try:
                    envelope = decode(record.headers or (), record.key, record.value)
                except InvalidEnvelope as exc:
                    await self._dead_letter(record, str(exc), "undecodable")
                    continue
                consumed.append(Consumed(record, envelope))
        outgoing = await self._handle_with_retries(consumed)
        await self._publish_with_retries(outgoing)
        try:
            await consumer.commit(offsets)
        except CommitFailedError:
            # The group moved on; the next owner re-reads and the handlers make it a no-op.
            log.warning("offset commit refused after rebalance", consumer=self.spec.name)
        self.processed += len(consumed)
        self._count(batch, time.perf_counter() - started)

    def _count(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], seconds: float
    ) -> None:
        child(BATCH_SECONDS, self.spec.name).observe(seconds)
        for tp, records in batch.items():
            child(EVENTS_CONSUMED, self.spec.name, self.spec.group, tp.topic).inc(len(records))

    async def _handle_with_retries(self, consumed: list[Consumed]) -> Sequence[Event]:
        failures = 0
        while True:
            try:
                async with self._sessions() as session, session.begin():
                    return await self.spec.handler(session, consumed) if consumed else ()
            except InvalidEvent as exc:
                await self._dead_letter(
                    exc.consumed.record, exc.reason, "rejected", exc.consumed.envelope
                )
                consumed = [c for c in consumed if c is not exc.consumed]
            except Exception as exc:
                failures += 1
                await self._back_off(failures, exc)

    async def _publish_with_retries(self, events: Sequence[Event]) -> None:
        failures = 0
        while events:
            outcomes = await self._publisher.publish_many(events, as_batches=True)
            if not any(outcomes):
                return
            failed = [
                (event, error) for event, error in zip(events, outcomes, strict=True) if error
            ]
            events = [event for event, _ in failed]
            failures += 1
            await self._back_off(failures, failed[0][1])

    async def _back_off(self, failures: int, exc: BaseException | None) -> None:
        if failures > self.spec.max_retries:
            raise ConsumerStalled(f"{self.spec.name}: {exc!r}") from exc
        delay = min(self.spec.retry_backoff * 2 ** (failures - 1), 30.0)
        log.warning(
            "batch failed, retrying", consumer=self.spec.name, attempt=failures, error=repr(exc)
        )
        await asyncio.sleep(delay)

    async def _dead_letter(
        self,
        record: ConsumerRecord[bytes, bytes],
        reason: str,
        kind: str,
        envelope: Envelope | None = None,
    ) -> None:
        ids = (
            {"event_id": envelope.id, "customer_id": envelope.data.customer_id} if envelope else {}
        )
        where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
        try:
            self._limit.admit(self.spec.name)
        except DeadLetterLimitExceeded as exc:
            log.error(
                "dead-letter limit reached, consumer stops without committing",
                consumer=self.spec.name,
                error=str(exc),
                reason=reason[:300],
                **where,
            )
            raise
        log.warning("dead-lettered", consumer=self.spec.name, reason=reason[:300], **where, **ids)
        failures = 0
        while True:
            try:
                await dead_letter(
                    self._publisher.producer, record, self.spec.name, self.spec.group, reason, kind
                )
                break
            except KafkaError as exc:
                failures += 1
                await self._back_off(failures, exc)
        self.dead_lettered += 1
