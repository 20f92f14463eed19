"""The raw limit of ingest: what one aiokafka producer, configured as ingest's, can publish."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from bench.context import RAW_PRODUCE_RATE, Bench
from bench.heap import frozen_heap
from bench.processes import CpuMeter, cpu_row, service_groups
from bench.report import Row, Verdict
from bench.workload import KafkaRecord, Workload, kafka_record
from shared.events.schemas import InteractionRecorded
from shared.kafka.producer import create_producer

RAW_MESSAGES = 100_000
RAW_WARMUP = 2_000
TOPIC = InteractionRecorded.topic.name


async def produce_all(producer: AIOKafkaProducer, records: Sequence[KafkaRecord]) -> float:
    """Send every record, wait for every acknowledgement; return the seconds it took."""
    started = time.perf_counter()
    deliveries = [
        await producer.send(TOPIC, value=r.value, key=r.key, headers=r.headers) for r in records
    ]
    await asyncio.gather(*deliveries)
    return time.perf_counter() - started


async def raw_produce(bench: Bench) -> list[Row]:
    workload = Workload(bench.run_id, "raw")
    warmup = [kafka_record(workload) for _ in range(RAW_WARMUP)]
    records = [kafka_record(workload) for _ in range(RAW_MESSAGES)]
    producer = create_producer(bench.settings)
    # the producer runs in the bench's process; the broker is the bench's other child
    meter = CpuMeter(service_groups({}, bench.database.data_dir, broker=True))
    await producer.start()
    try:
        await produce_all(producer, warmup)
        with frozen_heap():
            meter.start()
            elapsed = await produce_all(producer, records)
            cpu = meter.stop()
    finally:
        await producer.stop()
    rate = len(records) / elapsed
    bench.measured[RAW_PRODUCE_RATE] = rate
    print(f"  {len(records):,} messages of {len(records[0].value)} bytes in {elapsed:.2f} s")
    cpu.pop("postgres", None)
    return [
        Row(
            "raw produce rate (aiokafka, acks=all)", f"{rate:,.0f} msg/s", "raw limit", Verdict.INFO
        ),
        cpu_row("raw produce (the producer is the bench)", cpu, rate),
    ]
