"""Emerging irritants: surveys in through scoring (which reads the verbatims against the
map's taxonomy), moments on cx.moments, committee alerts out of the alerts service.

The module serves its own scoring and alerts apps on the real broker and database, with
``EMERGING_MIN_COUNT=3`` (the other thresholds at their defaults: 7 recent days against the
90 before, G² ≥ 10.83). It follows the scoring tests' map, whose late-delivery root cause
has the keyword "late". Each test has touchpoints of its own (unknown to the map).
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.alerts.app import create_app as create_alerts
from services.alerts.models import processed_event
from services.scoring.app import create_app as create_scoring
from services.scoring.config import ScoringSettings
from shared.events.schemas import SurveyAnswered
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.conftest import alerts_settings
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, read_all, serve, settings_for, unique
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until
from tests.scoring.factories import create_survey

BASELINE = "Nice website, easy checkout"
IRRITANT = "The promo code is broken"  # promo, code, break, promo code, code break
COVERED = "Late."  # "late": the late-delivery root cause's keyword


@dataclass
class Loop:
    publisher: EventPublisher
    alerts_url: str
    reader: str
    bootstrap: str
    alerts_sessions: Any

    async def feed(self, surveys: Sequence[SurveyAnswered]) -> None:
        """Publish ``surveys`` and wait until alerts has applied their moments."""
        outcomes = await self.publisher.publish_many(surveys)
        assert not any(outcomes), outcomes
        wanted = {f"moment:{s.event_id}" for s in surveys}
        column = processed_event.c.event_id
        async with asyncio.timeout(60):
            while True:
                async with self.alerts_sessions() as session:
                    found = await session.scalars(select(column).where(column.in_(wanted)))
                    if set(found) == wanted:
                        return
                await asyncio.sleep(0.1)

    def client(self) -> httpx.AsyncClient:
        """A client of alerts with the ops key (ops:*)."""
        headers = {"Authorization": f"Bearer {self.reader}"}
        return httpx.AsyncClient(base_url=self.alerts_url, headers=headers, timeout=30)

    async def alerts_at(self, touchpoint: str) -> list[dict[str, Any]]:
        async with self.client() as client:
            response = await client.get("/v1/alerts", params={"touchpoint": touchpoint})
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    async def published(self, touchpoint: str) -> list[dict[str, Any]]:
        records = await read_all(
            self.bootstrap, "cx.alerts", ce_subject=f"touchpoint:{touchpoint}".encode()
        )
        return sorted((json.loads(r.value) for r in records), key=lambda e: e["changed_at"])


@pytest.fixture(scope="module")
async def loop(infra: Infra, keys: Keys) -> AsyncIterator[Loop]:
    common: dict[str, Any] = {"kafka_session_timeout_ms": 3000}
    scoring = create_scoring(settings_for(infra, keys, ScoringSettings, **common))
    alerts = create_alerts(alerts_settings(infra, keys, emerging_min_count=3))
    producer = create_producer(settings_for(infra, keys, ScoringSettings))
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    version = await newest_map_version(infra) + 1
    await publish_map(publisher, version, JOURNEY_MAP)
    try:
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(serve(scoring))
            alerts_url = await stack.enter_async_context(serve(alerts))
            for app in (scoring, alerts):
                await until(lambda app=app: _follows(app, version), timeout=30)
            yield Loop(
                publisher, alerts_url, keys.reader, infra.bootstrap_servers, alerts.state.sessions
            )
    finally:
        await producer.stop()


async def _follows(app: Any, version: int) -> bool:
    return bool(app.state.journey.version >= version)


def said(touchpoint: str, text: str, at: datetime, customer: str | None = None) -> SurveyAnswered:
    """A survey with only words (their sentiment is its valence)."""
    return create_survey(
        customer or unique("cust"), at, touchpoint=touchpoint, verbatim=text, language="en"
    )


def baseline(touchpoint: str, burst_day: datetime) -> list[SurveyAnswered]:
    """20 verbatims without the term, 10 to 40 days before the burst."""
    return [said(touchpoint, BASELINE, burst_day - timedelta(days=10 + i * 1.5)) for i in range(20)]


def burst(touchpoint: str, text: str, day: datetime) -> list[SurveyAnswered]:
    """Six verbatims of one customer (so they arrive in order), half an hour apart, from
    18:00 UTC on ``day``."""
    customer = unique("cust")
    return [
        said(touchpoint, text, day + timedelta(hours=18, minutes=30 * i), customer)
        for i in range(6)
    ]


def a_day(days_ago: int) -> datetime:
    today = datetime.now(UTC).date() - timedelta(days=days_ago)
    return datetime.combine(today, time(0), tzinfo=UTC)


async def test_a_rising_term_raises_once_then_recovers_when_it_falls_back(loop: Loop) -> None:
    """The third verbatim holding the term crosses the threshold (3 of 3 recent, 0 of 20
    before: G² 17.8); the three after it add occurrences, not alerts. Seven days after the
    burst it has left the recent period: the next verbatim there finds it no longer
    emerging (within the alert's open lifetime: 6 d 4.5 h after its last change)."""
    place = unique("tp")
    day = a_day(20)
    await loop.feed(baseline(place, day))

    await loop.feed(burst(place, IRRITANT, day))

    (alert,) = await loop.alerts_at(place)
    assert (alert["rule"], alert["level"], alert["status"]) == (
        "emerging_irritant",
        "committee",
        "open",
    )
    assert (alert["term"], alert["occurrences"], alert["severity"]) == ("promo code", 4, 3)
    assert alert["customer_id"] is None
    assert alert["summary"] == (
        f"Emerging irritant at {place}: “promo code” in 6 of 6 verbatims over 7 d, "
        "0 of 20 over the 90 d before (G² 28.1)"
    )
    counts = {"recent": 6, "recent_total": 6, "base": 0, "base_total": 20}
    (reason,) = alert["summary_reasons"]
    assert reason == {
        "code": "term_rising",
        "text": alert["summary"].split(": ", 1)[1],
        "term": "promo code",
        **counts,
        "recent_days": 7,
        "baseline_days": 90,
        "g2": pytest.approx(28.1, abs=0.05),
    }

    later = day + timedelta(days=7, hours=1)
    await loop.feed([said(place, BASELINE, later)])

    (alert,) = await loop.alerts_at(place)
    assert (alert["status"], alert["occurrences"]) == ("recovered", 4)
    assert alert["summary"].startswith(
        f"Emerging irritant at {place} recovered: “promo code” in 0 of 1 verbatims over 7 d, "
        "6 of 26 over the 90 d before"
    )
    (reason,) = alert["summary_reasons"]
    assert (reason["code"], reason["term"], reason["recent"], reason["base"]) == (
        "term_rising",
        "promo code",
        0,
        6,
    )
    changes = [(e["change"], e["term"]) for e in await loop.published(place)]
    assert changes == [
        ("raised", "promo code"),
        *[("occurrence", "promo code")] * 3,
        ("recovered", "promo code"),
    ]


async def test_a_term_the_taxonomy_covers_never_raises(loop: Loop) -> None:
    """The same counts as above for "late", a keyword of the map: no alert."""
    place = unique("tp")
    day = a_day(20)
    await loop.feed(baseline(place, day))

    await loop.feed(burst(place, COVERED, day))
    await loop.feed([said(place, BASELINE, day + timedelta(days=7, hours=1))])

    assert await loop.alerts_at(place) == []
    assert await loop.published(place) == []


async def test_the_rules_document_sets_the_threshold_per_touchpoint(loop: Loop) -> None:
    """At a touchpoint whose entry asks for 7 verbatims, the burst of 6 raises nothing; the
    document refuses a recent period of 0 days, naming the field."""
    place = unique("tp")
    async with loop.client() as client:
        document = (await client.get("/v1/alert-rules")).json()["document"]
        strict = copy.deepcopy(document)
        strict.setdefault("touchpoints", {})[place] = {"emerging_irritant": {"min_count": 7}}
        assert (await client.put("/v1/alert-rules", json=strict)).status_code == 201
        bad = {"defaults": {"emerging_irritant": {"recent_days": 0}}}
        refused = await client.put("/v1/alert-rules", json=bad)
        try:
            day = a_day(20)
            await loop.feed(baseline(place, day))
            await loop.feed(burst(place, IRRITANT, day))
        finally:
            restored = await client.put("/v1/alert-rules", json=document)

    assert restored.status_code == 201, restored.text
    assert await loop.alerts_at(place) == []
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == [
        "defaults.emerging_irritant.recent_days"
    ]
