"""Consumer-side views of the broker: where a group stands, what scoring emitted, and when
records of given keys passed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from types import TracebackType

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from shared.config import ServiceSettings
from shared.events.topics import MOMENTS


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    """Each partition of ``topics``, from the cluster's metadata.

    :raises RuntimeError: a topic has no partitions (not created yet): its group would
        start from the beginning, not at the end.
    """
    await consumer.topics()  # the metadata of every topic
    found = {topic: sorted(consumer.partitions_for_topic(topic) or ()) for topic in topics}
    if not all(found.values()):
        raise RuntimeError(f"topics without partitions in {found}")
    return [TopicPartition(topic, p) for topic, partitions in found.items() for p in partitions]


async def _read_to_end(consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> int:
    """Seek to the end and read on until nothing comes: some brokers (Tansu's memory
    storage) report the start of the last record batch as the end offset."""
    await consumer.seek_to_end(*partitions)
    skipped = 0
    while batch := await consumer.getmany(timeout_ms=500, max_records=10_000):
        skipped += sum(len(records) for records in batch.values())
    return skipped


async def skip_to_end(settings: ServiceSettings, group: str, topics: Iterable[str]) -> int:
    """Commit the end of ``topics`` for ``group``, so it starts after what earlier sections
    published; return how many records past the reported end offsets were read to get there.
    """
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        consumer.assign(partitions)
        skipped = await _read_to_end(consumer, partitions)
        await consumer.commit({tp: await consumer.position(tp) for tp in partitions})
    finally:
        await consumer.stop()
    return skipped


async def lagging(
    settings: ServiceSettings, group: str, ends: dict[TopicPartition, int], wait: float
) -> dict[TopicPartition, int]:
    """The partitions whose committed offset for ``group`` is still short of ``ends`` after
    up to ``wait`` seconds, with how far short."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + wait
        while True:
            short = {}
            for tp, end in ends.items():
                committed = await consumer.committed(tp) or 0
                if committed < end:
                    short[tp] = end - committed
            if not short or time.monotonic() > deadline:
                return short
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()


async def group_settled(settings: ServiceSettings, group: str, members: int, wait: float) -> None:
    """Until ``group`` is stable with ``members`` members, each then holding its share of
    the partitions (the embedded broker describes a group's members, not their shares).

    :raises TimeoutError: not so after ``wait`` seconds.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        async with asyncio.timeout(wait):
            while (await _group_state(admin, group)) != ("Stable", members):
                await asyncio.sleep(0.05)
    finally:
        await admin.close()


async def _group_state(admin: AIOKafkaAdminClient, group: str) -> tuple[str, int]:
    """The group's state and how many members it has."""
    for response in await admin.describe_consumer_groups([group]):
        for described in response.groups:
            # (error_code, group, state, protocol_type, protocol, members, ...)
            if described[1] == group:
                return described[2], len(described[5])
    return "Unknown", 0


async def end_positions(
    settings: ServiceSettings, topics: Iterable[str]
) -> dict[TopicPartition, int]:
    """Where each partition of ``topics`` ends now: what :func:`first_timestamps` reads from."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics)
        consumer.assign(partitions)
        await _read_to_end(consumer, partitions)
        return {tp: await consumer.position(tp) for tp in partitions}
    finally:
        await consumer.stop()


async def first_timestamps(
    settings: ServiceSettings, since: dict[TopicPartition, int], keys: set[str]
) -> dict[str, dict[str, float]]:
    """Per topic, the record timestamp (seconds since the epoch) of the first record after
    ``since`` of each key in ``keys``; read until nothing more comes."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
    )
    await consumer.start()
    found: dict[str, dict[str, float]] = {tp.topic: {} for tp in since}
    try:
        consumer.assign(list(since))
        for tp, offset in since.items():
            consumer.seek(tp, offset)
        while batch := await consumer.getmany(timeout_ms=1_000, max_records=10_000):
            for tp, records in batch.items():
                seen = found[tp.topic]
                for record in records:
                    key = record.key.decode() if record.key else ""
                    if key in keys and key not in seen:
                        seen[key] = record.timestamp / 1000
    finally:
        await consumer.stop()
    return found


class CommittedProgress:
    """How far ``group`` has committed through records put on its topics after the block is
    entered: one request a poll (the group's offsets). Scoring commits a batch's offsets
    only once its state is committed and its moments acknowledged, so a committed offset
    says all of that; reading the moments instead would have the bench consume them, and
    the broker serve it, on the cores it times scoring on."""

    def __init__(self, settings: ServiceSettings, group: str, topics: Iterable[str]) -> None:
        self._settings = settings
        self._group = group
        self._topics = list(topics)
        self._admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        self._coordinator: int | None = None
        self._partitions: list[TopicPartition] = []
        self._since: dict[TopicPartition, int] = {}

    async def __aenter__(self) -> CommittedProgress:
        metadata = AIOKafkaConsumer(bootstrap_servers=self._settings.kafka_bootstrap_servers)
        await metadata.start()
        try:
            self._partitions = await _partitions(metadata, self._topics)
        finally:
            await metadata.stop()
        await self._admin.start()
        try:
            self._coordinator = await self._admin.find_coordinator(self._group)
            self._since = await self._offsets()
        except BaseException:
            await self._admin.close()
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._admin.close()

    async def _offsets(self) -> dict[TopicPartition, int]:
        # the partitions named: the embedded broker answers a request for all of a group's
        # offsets in a form the client cannot read
        found = await self._admin.list_consumer_group_offsets(
            self._group, group_coordinator_id=self._coordinator, partitions=self._partitions
        )
        return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}

    async def read(self, ends: dict[TopicPartition, int]) -> tuple[int, bool]:
        """Records committed since the block was entered, up to ``ends``; whether the group
        has committed every partition up to its end. A partition the group had not committed
        on when the block was entered counts from its first offset."""
        offsets = await self._offsets()
        count = sum(
            max(0, min(offsets.get(tp, 0), end) - self._since.get(tp, 0))
            for tp, end in ends.items()
        )
        return count, all(offsets.get(tp, 0) >= end for tp, end in ends.items())


class MomentCounter:
    """Counts, once each, the moments on ``cx.moments`` whose source event id starts with
    ``prefix``, published after the block is entered (where the topic ends then is kept on
    entry; nothing is read until :meth:`until`). Read, not inferred from end offsets: those
    can be short of the last batch (see :func:`_read_to_end`)."""

    def __init__(self, settings: ServiceSettings, prefix: str) -> None:
        self._prefix = f"moment:{prefix}".encode()
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False
        )
        self.ids: set[bytes] = set()

    @property
    def count(self) -> int:
        return len(self.ids)

    async def __aenter__(self) -> MomentCounter:
        consumer = self._consumer
        await consumer.start()
        try:
            partitions = await _partitions(consumer, [MOMENTS.name])
            consumer.assign(partitions)
            await _read_to_end(consumer, partitions)
        except BaseException:
            await consumer.stop()
            raise
        return self

    async def until(self, count: int, wait: float) -> int:
        """Read on until ``count`` moments are counted or nothing new came for ``wait``
        seconds; return how many are counted."""
        deadline = time.monotonic() + wait
        while self.count < count and time.monotonic() < deadline:
            batch = await self._consumer.getmany(timeout_ms=200, max_records=10_000)
            if batch:
                deadline = time.monotonic() + wait
            for records in batch.values():
                for record in records:
                    for key, value in record.headers or ():
                        if key == "ce_id" and value.startswith(self._prefix):
                            self.ids.add(value)
        return self.count

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._consumer.stop()
