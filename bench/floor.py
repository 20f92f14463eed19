"""The floor under scoring's throughput: its consumer runner, decoding and moment publishing
with nothing in between (no state read or written, nothing computed), in a process of its
own like the service.

Scoring cannot go faster than this on the same machine whatever it does between reading a
signal and publishing its moment. Run by the ``scoring floor`` section (``scoring_floor.py``) as
``python -m bench.floor``; prints one JSON line with what it measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections.abc import Sequence

import uvloop
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.experience.moments import moment_from_row
from services.scoring.experience.rows import SignalRow
from shared.collector import freeze_startup_heap, young_threshold
from shared.db.session import create_engine, create_sessionmaker
from shared.events.schemas import Event, InteractionRecorded, SurveyAnswered
from shared.events.topics import Topic
from shared.kafka.producer import EventPublisher, create_producer
from shared.kafka.runner import Consumed, ConsumerRunner, ConsumerSpec


class Floor:
    """A handler that turns every signal into a moment and nothing else; it notes when the
    first batch came and how many signals went through."""

    def __init__(self) -> None:
        self.first_batch = 0
        self.first_at: float | None = None
        self.cpu_at_first: float | None = None

    async def handle(self, session: AsyncSession, batch: Sequence[Consumed]) -> Sequence[Event]:
        if self.first_at is None:
            self.first_at, self.cpu_at_first = time.perf_counter(), time.process_time()
            self.first_batch = len(batch)
        return [
            moment_from_row(_row(c.event), c.event.received_at)
            for c in batch
            if isinstance(c.event, InteractionRecorded | SurveyAnswered)
        ]


def _row(event: InteractionRecorded | SurveyAnswered) -> SignalRow:
    """A signal row as scoring builds one, with fixed scores."""
    # The scores read from the event's fields (``__dict__``): ``getattr`` with a default on
    # a field the type lacks goes through pydantic's ``__getattr__`` and an AttributeError,
    # ~3 µs each, which scoring (reading the fields of the type it holds) never pays.
    fields = event.__dict__
    survey = isinstance(event, SurveyAnswered)
    outcome = None if survey else fields["outcome"].value
    return {
        "event_id": event.event_id,
        "customer_id": event.customer_id,
        "source": "survey" if survey else "interaction",
        "touchpoint": event.touchpoint,
        "known_touchpoint": True,
        "moment_of_truth": False,
        "moment_of_pain": False,
        "occurred_at": event.occurred,
        "valence": 0.5,
        "weight": 1.0,
        "polarity": 1,
        "lxi_before": 50.0,
        "lxi_after": 55.0,
        "persona": None,
        "value_tier": None,
        "nps": fields.get("nps"),
        "csat": fields.get("csat"),
        "ces": fields.get("ces"),
        "outcome": outcome,
        "wait_over": False,
        "repeat_contact": False,
        "transfers": fields.get("transfers"),
        "channel": None,
        "employee_ease": None,
        "interaction_event_id": None,
        "employee_id": None,
        "expected": fields.get("expected"),
        "perceived": fields.get("perceived"),
        "wait_seconds": fields.get("wait_seconds"),
        "wait_threshold_seconds": None,
    }


async def measure(topic: str, group: str, events: int) -> dict[str, float]:
    settings = ScoringSettings(service_name="bench-floor")
    # the collector as scoring's app runs it: its young threshold, and what start-up left
    # alive frozen out of its reach
    with young_threshold(settings.gc_young_threshold):
        return await _measure(settings, topic, group, events)


async def _measure(
    settings: ScoringSettings, topic: str, group: str, events: int
) -> dict[str, float]:
    engine = create_engine(settings)
    producer = create_producer(settings)
    await producer.start()
    floor = Floor()
    spec = ConsumerSpec(
        name="bench-floor",
        topics=(Topic(topic),),
        group=group,
        handler=floor.handle,
        max_batch=settings.consumer_batch,
        instances=settings.consumer_instances,
    )
    publisher = EventPublisher(producer, "/cxloop/bench", timeout=30)
    runners = [
        ConsumerRunner(spec, settings, create_sessionmaker(engine), publisher, instance=i)
        for i in range(spec.instances)
    ]
    tasks = [asyncio.create_task(r.run()) for r in runners]
    if settings.freeze_startup_heap:
        freeze_startup_heap()
    try:
        while sum(r.processed for r in runners) < events:
            if any(t.done() for t in tasks):
                raise RuntimeError("a floor consumer stopped early")
            await asyncio.sleep(0.01)
        done_at, cpu_at_done = time.perf_counter(), time.process_time()
    finally:
        for runner in runners:
            runner.stop()
        await asyncio.gather(*tasks, return_exceptions=True)
        await producer.stop()
        await engine.dispose()
    assert floor.first_at is not None
    assert floor.cpu_at_first is not None
    # timed from the first batch in the handler: that batch's decoding is not in the time,
    # so neither are its events
    return {
        "events": sum(r.processed for r in runners) - floor.first_batch,
        "elapsed": done_at - floor.first_at,
        "cpu": cpu_at_done - floor.cpu_at_first,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--events", type=int, required=True)
    args = parser.parse_args()
    result = uvloop.run(measure(args.topic, args.group, args.events))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
