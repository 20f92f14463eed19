"""Publishing as batches (the consumer runner's way): every event acknowledged, on the
partition ``send`` gives its key, in the order given, however many batches it takes, each
record as it is written alone."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from aiokafka.structs import ConsumerRecord

from bench.event_samples import moment
from shared.config import ServiceSettings
from shared.events.envelope import record as record_of
from shared.events.schemas import Event
from shared.events.topics import INTERACTIONS, MOMENTS
from shared.kafka.partitioner import partition_of
from shared.kafka.producer import EventPublisher, create_producer
from tests.conftest import read_all, unique
from tests.shared.test_runner import interaction


def events_of(customers: Sequence[str], each: int) -> list[Event]:
    """``each`` events per customer, interleaved, ids numbered in publication order."""
    return [
        interaction(f"{customer}-{n:03d}", customer) for n in range(each) for customer in customers
    ]


def by_customer(
    records: Sequence[ConsumerRecord[bytes, bytes]], customers: Sequence[str]
) -> dict[str, list[ConsumerRecord[bytes, bytes]]]:
    found: dict[str, list[ConsumerRecord[bytes, bytes]]] = defaultdict(list)
    for record in sorted(records, key=lambda r: (r.partition, r.offset)):
        if record.key is not None and record.key.decode() in customers:
            found[record.key.decode()].append(record)
    return found


def ids(records: Sequence[ConsumerRecord[bytes, bytes]]) -> list[str]:
    return [dict(r.headers)["ce_id"].decode() for r in records]


async def test_batches_land_where_send_puts_them_in_the_order_given(
    publisher: EventPublisher, settings: ServiceSettings
) -> None:
    customers = [unique("batch-cust") for _ in range(8)]
    batched, per_record = events_of(customers, 5), events_of(customers, 5)
    per_record = [e.model_copy(update={"event_id": f"r-{e.event_id}"}) for e in per_record]

    assert await publisher.publish_many(batched, as_batches=True) == [None] * len(batched)
    assert await publisher.publish_many(per_record) == [None] * len(per_record)

    found = by_customer(
        await read_all(settings.kafka_bootstrap_servers, INTERACTIONS.name), customers
    )
    assert set(found) == set(customers)
    for customer, records in found.items():
        assert len({r.partition for r in records}) == 1, customer
        assert ids(records) == [
            *(f"{customer}-{n:03d}" for n in range(5)),
            *(f"r-{customer}-{n:03d}" for n in range(5)),
        ]
    assert len({records[0].partition for records in found.values()}) > 1


async def test_a_set_larger_than_a_batch_is_split_and_kept_in_order(
    settings: ServiceSettings,
) -> None:
    producer = create_producer(settings, max_batch_size=2048)
    await producer.start()
    try:
        publisher = EventPublisher(producer, "/tests", timeout=10)
        customers = [unique("split-cust") for _ in range(2)]
        events = events_of(customers, 30)  # about 20 records of ~700 bytes per customer

        assert await publisher.publish_many(events, as_batches=True) == [None] * len(events)
    finally:
        await producer.stop()

    found = by_customer(
        await read_all(settings.kafka_bootstrap_servers, INTERACTIONS.name), customers
    )
    for customer in customers:
        assert ids(found[customer]) == [f"{customer}-{n:03d}" for n in range(30)]


async def test_a_batch_carries_each_events_record_as_written_alone(
    publisher: EventPublisher, settings: ServiceSettings
) -> None:
    """What the batches put on the wire is the envelope's ``record`` of each event, byte for byte,
    on the partition of its key: moments with and without words, scores and touchpoint."""
    sample = moment()
    variants = [
        {},
        {"verbatim": None},
        {"touchpoint": None, "known_touchpoint": False, "outcome": None, "lxi_before": None},
        {"persona": None, "value_tier": None, "transfers": None, "source_received_at": None},
    ]
    events = [
        sample.model_copy(update={**change, "event_id": unique("m"), "customer_id": unique("c")})
        for change in variants
        for _ in range(3)
    ]

    assert await publisher.publish_many(events, as_batches=True) == [None] * len(events)

    found = {
        dict(r.headers)["ce_id"]: r
        for r in await read_all(settings.kafka_bootstrap_servers, MOMENTS.name)
    }
    partitions = sorted(await publisher.producer.partitions_for(MOMENTS.name))
    for event in events:
        published = found[event.event_id.encode()]
        expected = record_of(event, b"/tests")
        assert (published.key, published.value) == (expected.key, expected.value)
        assert list(published.headers) == expected.headers
        assert published.partition == partition_of(expected.key, partitions)
