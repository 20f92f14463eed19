"""The alert rules through the real alerts service: moments in on cx.moments, alerts out.

A module's alerts app (``alerts`` in conftest.py) gets a journey map of its own, whose
touchpoint ids carry a suffix unique to the run, so alerts, spike counters and rule
overrides left by another module or an earlier run against the same database never meet
the tests'. Each test uses its own customers.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.alerts.models import processed_event
from shared.config import ApiKey, hash_api_key
from shared.events.schemas import MomentEvaluated, Polarity
from tests.alerts.conftest import Alerts
from tests.conftest import Infra, Keys, newest_map_version, read_all, unique
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
MAP_VERSION_FLOOR = 2_000_000
SPIKE_TOUCHPOINTS = 10
VIEWER_KEY = "rules-viewer-key-0000"
LOGISTICS_KEY = "rules-logistics-key-0000"


class Touchpoints:
    """This module's touchpoint ids (see ``rules_map``)."""

    def __init__(self) -> None:
        self.suffix = uuid.uuid4().hex[:8]
        self.delivery = self._id("delivery")  # moment of truth, weight 1.5, rl-logistics
        self.call = self._id("call")  # moment of pain, weight 2, rl-service
        self.web = self._id("web")  # weight 1, rl-quality (no referent)
        self.store = self._id("store")  # moment of truth, weight 1, rl-quality
        self.targeted = self._id("targeted")  # negative_rate target 0.1, rl-quality
        self._spikes_used = 0

    def _id(self, role: str) -> str:
        return f"rl-{role}-{self.suffix}"

    def spike(self) -> str:
        """A touchpoint no other test uses: weight 1, rl-quality, no target."""
        self._spikes_used += 1
        assert self._spikes_used <= SPIKE_TOUCHPOINTS, "add spike touchpoints to the map"
        return self._id(f"spike{self._spikes_used}")


def rules_map(tp: Touchpoints) -> dict[str, Any]:
    """The scoring tests' map, plus departments, value tiers and touchpoints for the rules.

    Scoring's map stays whole in it: every service follows the highest version on the
    shared topic, and the scoring tests expect their touchpoints.
    """
    document = copy.deepcopy(JOURNEY_MAP)
    document["departments"] += [
        {
            "id": "rl-logistics",
            "name": "Logistics",
            "referents": [{"id": "lea", "name": "Léa"}, {"id": "marc", "name": "Marc"}],
        },
        {
            "id": "rl-service",
            "name": "Customer service",
            "referents": [{"id": "sam", "name": "Sam"}],
        },
        {"id": "rl-quality", "name": "Quality"},
    ]
    document["value_tiers"] = [{"id": "gold", "weight": 3}, {"id": "odd", "weight": 1.15}]
    document["relationship"] = {"owner": "rl-service"}
    document["touchpoints"] += [
        _touchpoint(tp.delivery, 1.5, "rl-logistics", moment_of_truth=True),
        _touchpoint(tp.call, 2.0, "rl-service", moment_of_pain=True, wait_threshold_seconds=120),
        _touchpoint(tp.web, 1.0, "rl-quality"),
        _touchpoint(tp.store, 1.0, "rl-quality", moment_of_truth=True),
        _touchpoint(tp.targeted, 1.0, "rl-quality", targets={"negative_rate": 0.1}),
        *(
            _touchpoint(f"rl-spike{i}-{tp.suffix}", 1.0, "rl-quality")
            for i in range(1, SPIKE_TOUCHPOINTS + 1)
        ),
    ]
    return document


def _touchpoint(touchpoint: str, weight: float, owner: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": touchpoint,
        "name": touchpoint,
        "channels": ["web"],
        "weight": weight,
        "owner": owner,
        **fields,
    }


def rules_keys(keys: Keys) -> tuple[ApiKey, ...]:
    """The session's keys, a read-only key and a read-only key bound to rl-logistics."""
    return (
        *keys.all,
        ApiKey(name="viewer", sha256=hash_api_key(VIEWER_KEY), scopes=frozenset({"ops:read"})),
        ApiKey(
            name="logistics",
            sha256=hash_api_key(LOGISTICS_KEY),
            scopes=frozenset({"ops:read"}),
            department="rl-logistics",
        ),
    )


@dataclass
class Rules:
    alerts: Alerts
    infra: Infra
    tp: Touchpoints
    overridden: set[str] = field(default_factory=set)

    @property
    def client(self) -> httpx.AsyncClient:
        return self.alerts.client

    async def feed(self, moments: Sequence[MomentEvaluated]) -> None:
        """Publish ``moments`` (in order per customer) and wait until they are applied."""
        await self.alerts.send(moments)
        await self.processed([m.event_id for m in moments])

    async def processed(self, event_ids: Sequence[str], timeout: float = 30) -> None:
        wanted = set(event_ids)
        async with asyncio.timeout(timeout):
            while True:
                async with self.alerts.sessions() as session:
                    query = select(processed_event.c.event_id).where(
                        processed_event.c.event_id.in_(wanted)
                    )
                    if set((await session.execute(query)).scalars()) == wanted:
                        return
                await asyncio.sleep(0.05)

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def alerts_of(self, **filters: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = (await self.get("/v1/alerts", **filters))["items"]
        return items

    async def published(self, subject: str) -> list[dict[str, Any]]:
        """The AlertChanged events published so far for ``subject`` (a customer or
        ``touchpoint:<id>``), in change order per alert."""
        records = await read_all(
            self.infra.bootstrap_servers, "cx.alerts", ce_subject=subject.encode()
        )
        events = [json.loads(r.value) for r in records]
        return sorted(events, key=lambda e: (e["alert_id"], e["event_id"]))

    async def put_rules(self, touchpoints: dict[str, Any]) -> httpx.Response:
        """Add per-touchpoint overrides to the stored document.

        Overrides that earlier modules or runs left for their own touchpoints (``rl-…``)
        are dropped, so the document does not grow run after run.
        """
        self.overridden |= set(touchpoints)
        document = (await self.get("/v1/alert-rules"))["document"]
        kept = {
            k: v
            for k, v in document.get("touchpoints", {}).items()
            if not k.startswith("rl-") or k in self.overridden
        }
        document["touchpoints"] = {**kept, **touchpoints}
        return await self.client.put("/v1/alert-rules", json=document)


@pytest.fixture(name="rules", scope="module")
async def rules_fixture(alerts: Alerts, infra: Infra) -> AsyncIterator[Rules]:
    """``alerts`` following this module's map; on exit, the scoring tests' map is current."""
    tp = Touchpoints()
    version = max(MAP_VERSION_FLOOR, await newest_map_version(infra) + 1)
    holder = alerts.app.state.journey
    await publish_map(alerts.publisher, version, rules_map(tp))
    await until(lambda: _holds(holder, version))
    try:
        yield Rules(alerts, infra, tp)
    finally:
        await publish_map(alerts.publisher, version + 1, JOURNEY_MAP)


async def _holds(holder: Any, version: int) -> bool:
    return bool(holder.version == version)


def create_moment(
    customer_id: str,
    touchpoint: str | None,
    at: datetime = T0,
    valence: float = -0.5,
    **fields: Any,
) -> MomentEvaluated:
    """A moment as scoring emits it; by default negative, at an LXI steady at 50."""
    source_event_id = unique("src")
    polarity = (
        Polarity.NEGATIVE
        if valence <= -0.3
        else Polarity.POSITIVE
        if valence >= 0.5
        else Polarity.NEUTRAL
    )
    values: dict[str, Any] = {
        "source": "survey",
        "known_touchpoint": touchpoint is not None,
        "moment_of_truth": False,
        "moment_of_pain": False,
        "weight": 1.0,
        "lxi_before": 50.0,
        "lxi_after": 50.0,
        **fields,
    }
    return MomentEvaluated(
        event_id=f"moment:{source_event_id}",
        customer_id=customer_id,
        source_event_id=source_event_id,
        touchpoint=touchpoint,
        occurred_at=at,
        valence=valence,
        polarity=polarity,
        **values,
    )


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def days(n: float) -> timedelta:
    return timedelta(days=n)
