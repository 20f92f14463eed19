"""What scoring consumes: interactions and survey responses over the touchpoints of a small
journey map, as ingest puts them on Kafka."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import yaml
from aiokafka import AIOKafkaProducer, TopicPartition

from bench.infra import ROOT
from bench.workload import INGEST_SOURCE, KafkaRecord
from shared.config import ServiceSettings
from shared.events.envelope import encode
from shared.events.schemas import Channel, Event, InteractionRecorded, Outcome, SurveyAnswered
from shared.journey import JourneyMap, JourneyMapPublished
from shared.kafka.producer import EventPublisher, create_producer

# The retailer map that ships with actions (and that `make run` loads).
RETAILER_MAP = ROOT / "services" / "actions" / "journey" / "examples" / "retailer.yaml"
JOURNEY_MAP: dict[str, Any] = yaml.safe_load(RETAILER_MAP.read_text())
JOURNEY_MAP_VERSION = 1

TOUCHPOINTS = {"checkout": Channel.WEB, "delivery": Channel.MAIL, "after-sales-call": Channel.PHONE}
TOUCHPOINT_WEIGHTS = (45, 30, 25)
OUTCOMES = (Outcome.SUCCESS, Outcome.FAILURE, Outcome.ABANDONED)
OUTCOME_WEIGHTS = (80, 15, 5)
INTERACTION_SHARE = 0.65
REPEAT_SHARE = 0.15  # interactions that come back to a touchpoint the customer just used
RELATIONSHIP_SHARE = 0.25  # of the surveys: periodic NPS, no touchpoint
VERBATIM_ONLY_SHARE = 0.05  # of the surveys: no score, their words' sentiment is the valence
# What customers write, for the workloads where survey responses carry a verbatim.
VERBATIMS = (
    "The parcel came a week late and nobody told me.",
    "Livraison rapide, livreur très aimable. Merci !",
    "Site clair, commande passée en deux minutes.",
    "I waited forty minutes on the phone and got cut off twice.",
    "Produit conforme mais l'emballage était abîmé.",
    "Great service, the staff were friendly and helpful.",
    "Toujours pas remboursé après trois semaines, c'est inadmissible.",
    "ok",
)
HISTORY = timedelta(days=30)


async def publish_journey_map(settings: ServiceSettings) -> None:
    """Version 1 of :data:`JOURNEY_MAP` on the compacted topic scoring reads it from."""
    producer = create_producer(settings)
    await producer.start()
    try:
        await EventPublisher(producer, "/cxloop/bench", timeout=10).publish(
            JourneyMapPublished(
                event_id=f"bench-journey-map-v{JOURNEY_MAP_VERSION}",
                version=JOURNEY_MAP_VERSION,
                published_at=datetime.now(UTC),
                map=JourneyMap.model_validate(JOURNEY_MAP),
            )
        )
    finally:
        await producer.stop()


class SignalWorkload:
    """Signals of customers drawn by ``pick``, dated over the last 30 days: interactions
    (some repeat contacts, some long waits and transfers on the support call) and surveys
    (most answer one of the customer's interactions, some are relationship NPS, a few carry
    only a verbatim). Event ids are ``prefix`` + a counter.
    """

    def __init__(
        self,
        run_id: str,
        stream: str,
        pick: Callable[[random.Random], str],
        verbatim_share: float = 0.0,
    ) -> None:
        """``verbatim_share``: the share of survey responses that carry words (those with
        only words, :data:`VERBATIM_ONLY_SHARE`, included); 0: only those."""
        self.prefix = f"bench-{run_id}-{stream}-"
        extra = max(0.0, verbatim_share - VERBATIM_ONLY_SHARE) / (1 - VERBATIM_ONLY_SHARE)
        self.verbatim_share = extra  # of the scored responses
        self.valued = 0  # signals that get a valence, hence a moment
        self._pick = pick
        self._rng = random.Random(stream)
        self._now = datetime.now(UTC)
        self._count = 0
        self._contacts: dict[str, list[InteractionRecorded]] = defaultdict(list)

    def events(self, count: int) -> list[Event]:
        return [self._next() for _ in range(count)]

    def _next(self) -> Event:
        self._count += 1
        customer = self._pick(self._rng)
        if self._rng.random() < INTERACTION_SHARE:
            event: Event = self._interaction(customer)
        else:
            event = self._survey(customer)
        return event

    def _when(self) -> datetime:
        return self._now - self._rng.uniform(0, 1) * HISTORY

    def _interaction(self, customer: str) -> InteractionRecorded:
        rng = self._rng
        contacts = self._contacts[customer]
        if contacts and rng.random() < REPEAT_SHARE:
            previous = rng.choice(contacts)
            touchpoint = previous.touchpoint
            occurred_at = previous.occurred_at + timedelta(hours=rng.uniform(1, 120))
        else:
            touchpoint = rng.choices(tuple(TOUCHPOINTS), TOUCHPOINT_WEIGHTS)[0]
            occurred_at = self._when()
        call = touchpoint == "after-sales-call"
        interaction = InteractionRecorded(
            event_id=f"{self.prefix}{self._count}",
            customer_id=customer,
            touchpoint=touchpoint,
            channel=TOUCHPOINTS[touchpoint],
            occurred_at=min(occurred_at, self._now),
            outcome=rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0],
            wait_seconds=round(rng.uniform(0, 400), 1) if call else None,
            duration_seconds=round(rng.uniform(5, 1800), 1),
            transfers=rng.randrange(4) if call else 0,
            employee_ease=rng.randint(1, 7) if call and rng.random() < 0.5 else None,
            attributes={"order_value": round(rng.uniform(5, 500), 2)},
            received_at=self._now,
        )
        contacts.append(interaction)
        self.valued += 1
        return interaction

    def _survey(self, customer: str) -> SurveyAnswered:
        rng = self._rng
        contacts = self._contacts[customer]
        fields: dict[str, Any] = {
            "event_id": f"{self.prefix}{self._count}",
            "customer_id": customer,
            "received_at": self._now,
        }
        draw = rng.random()
        if draw < VERBATIM_ONLY_SHARE:
            touchpoint = rng.choice(tuple(TOUCHPOINTS))
            fields.update(touchpoint=touchpoint, answered_at=self._when(), verbatim="so-so")
            self.valued += 1
            return SurveyAnswered.model_validate(fields)
        self.valued += 1
        if self.verbatim_share and rng.random() < self.verbatim_share:
            fields["verbatim"] = rng.choice(VERBATIMS)
        if draw < VERBATIM_ONLY_SHARE + RELATIONSHIP_SHARE or not contacts:
            fields.update(relationship=True, answered_at=self._when(), nps=rng.randint(0, 10))
            return SurveyAnswered.model_validate(fields)
        answered = rng.choice(contacts)
        fields.update(
            touchpoint=answered.touchpoint,
            interaction_event_id=answered.event_id,
            answered_at=min(
                answered.occurred_at + timedelta(hours=rng.uniform(0.2, 48)), self._now
            ),
            nps=rng.randint(0, 10),
            csat=rng.randint(1, 5) if rng.random() < 0.7 else None,
            ces=rng.randint(1, 7) if rng.random() < 0.5 else None,
        )
        if rng.random() < 0.2:
            fields.update(expected=rng.randint(1, 5), perceived=rng.randint(1, 5))
        return SurveyAnswered.model_validate(fields)


def kafka_records(events: Sequence[Event]) -> list[tuple[str, KafkaRecord]]:
    """Each event as ingest publishes it, with its topic."""
    records = []
    for event in events:
        message = encode(event, INGEST_SOURCE)
        record = KafkaRecord(
            event.customer_id.encode(), message.value, list(message.headers.items())
        )
        records.append((event.topic.name, record))
    return records


async def produce(
    producer: AIOKafkaProducer, records: Sequence[tuple[str, KafkaRecord]]
) -> dict[TopicPartition, int]:
    """Send every record and wait for every acknowledgement; return, per partition written,
    the offset after the last record."""
    deliveries = [
        await producer.send(topic, value=r.value, key=r.key, headers=r.headers)
        for topic, r in records
    ]
    ends: dict[TopicPartition, int] = {}
    for metadata in await asyncio.gather(*deliveries):
        partition = TopicPartition(metadata.topic, metadata.partition)
        ends[partition] = max(ends.get(partition, 0), metadata.offset + 1)
    return ends
