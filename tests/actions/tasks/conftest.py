"""A real actions service on the real broker and database, with a clock the tests move.

The package's app follows a journey map of its own (a high version; touchpoint ids unique
to the run), built on the scoring tests' map so theirs stays whole. Alerts go straight to
``cx.alerts``; every test uses its own customers, and sets the clock before it starts.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.app import create_app
from services.actions.config import ActionsSettings
from services.actions.tasks.models import Task, customer_latest_lxi, task_inbox
from shared.events.actions import TaskChanged
from shared.events.alerts import AlertChange, AlertChanged, AlertRule
from shared.events.schemas import MomentEvaluated, Polarity
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, Running, client_for, consume, read_all, settings_for, unique
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until

T0 = datetime(2031, 6, 2, 8, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
MAP_VERSION_FLOOR = 3_000_000


@dataclass
class FakeClock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def set(self, at: datetime) -> None:
        self.now = at


@dataclass
class Touchpoints:
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def delivery(self) -> str:  # owned by logistics: business hours, Europe/Paris
        return f"tk-delivery-{self.suffix}"

    @property
    def call(self) -> str:  # owned by customer-service: around the clock
        return f"tk-call-{self.suffix}"


def tasks_map(tp: Touchpoints) -> dict[str, Any]:
    document = copy.deepcopy(JOURNEY_MAP)
    document["departments"] = [d for d in document["departments"] if d["id"] != "logistics"]
    document["departments"] += [
        {
            "id": "logistics",
            "name": "Logistics",
            "timezone": "Europe/Paris",
            "referents": [{"id": "lea-bernard", "name": "Léa"}, {"id": "marc", "name": "Marc"}],
            "escalation_contact": "logistics-lead@example.com",
            "business_hours": {
                "start": "09:00",
                "end": "18:00",
                "days": ["mon", "tue", "wed", "thu", "fri"],
            },
        },
        {
            "id": "customer-service",
            "name": "Customer service",
            "referents": [{"id": "sarah-moreau", "name": "Sarah"}],
            "escalation_contact": "cs-manager@example.com",
        },
    ]
    document["touchpoints"] += [
        {
            "id": tp.delivery,
            "name": "Delivery",
            "channels": ["mail"],
            "weight": 1.5,
            "moment_of_truth": True,
            "owner": "logistics",
        },
        {"id": tp.call, "name": "Call", "channels": ["phone"], "owner": "customer-service"},
    ]
    document["root_causes"] = [
        {"id": "late-carrier", "name": "Late carrier"},
        {"id": "stock-error", "name": "Stock error"},
    ]
    return document


@dataclass
class Tasks(Running):
    settings: ActionsSettings
    infra: Infra
    keys: Keys
    clock: FakeClock
    tp: Touchpoints

    async def feed(self, events: Sequence[AlertChanged]) -> None:
        """Publish alerts and wait until the tasks consumer has applied them."""
        await self.send(events)
        await self.processed([e.event_id for e in events])

    async def processed(self, event_ids: Sequence[str], timeout: float = 30) -> None:
        wanted = set(event_ids)
        async with asyncio.timeout(timeout):
            while True:
                async with self.sessions() as session:
                    query = select(task_inbox.c.event_id).where(task_inbox.c.event_id.in_(wanted))
                    if set((await session.execute(query)).scalars()) == wanted:
                        return
                await asyncio.sleep(0.05)

    async def feed_moments(self, moments: Sequence[MomentEvaluated]) -> None:
        """Publish moments and wait until each customer's latest is the batch's latest."""
        await self.send(moments)
        latest = {m.customer_id: m for m in sorted(moments, key=lambda m: m.occurred_at)}

        async def seen() -> bool:
            async with self.sessions() as session:
                query = select(customer_latest_lxi.c.moment_id).where(
                    customer_latest_lxi.c.customer_id.in_(latest)
                )
                held = set((await session.execute(query)).scalars())
            return held == {m.event_id for m in latest.values()}

        await until(seen, timeout=30)

    async def tasks_of(self, customer: str, client: httpx.AsyncClient | None = None) -> Any:
        response = await (client or self.client).get("/v1/tasks", params={"customer": customer})
        assert response.status_code == 200, response.text
        return response.json()["items"]

    async def only_task(self, customer: str) -> dict[str, Any]:
        (task,) = await self.tasks_of(customer)
        detail = await self.client.get(f"/v1/tasks/{task['id']}")
        assert detail.status_code == 200, detail.text
        return dict(detail.json())

    async def patch(self, task_id: str, key: str | None = None, **body: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {key}"} if key else None
        return await self.client.patch(f"/v1/tasks/{task_id}", json=body, headers=headers)

    async def published(self, customer: str, want: int) -> list[TaskChanged]:
        """The task events for ``customer`` on cx.task-events, once there are ``want``."""
        subject = customer.encode()
        await consume(self.infra.bootstrap_servers, "cx.task-events", want, ce_subject=subject)
        records = await read_all(self.infra.bootstrap_servers, "cx.task-events", ce_subject=subject)
        return [TaskChanged.model_validate(json.loads(r.value)) for r in records]


def task_settings(infra: Infra, keys: Keys, **overrides: Any) -> ActionsSettings:
    values: dict[str, Any] = {
        "kafka_session_timeout_ms": 3000,
        "task_escalation_interval_seconds": 0.1,
        "task_relay_poll_seconds": 3600,  # woken by commits; the poll would hide "on start"
        **overrides,
    }
    settings: ActionsSettings = settings_for(infra, keys, ActionsSettings, **values)
    return settings


@dataclass(frozen=True)
class Replica:
    app: FastAPI
    client: httpx.AsyncClient


@asynccontextmanager
async def running_actions(
    infra: Infra, keys: Keys, clock: FakeClock, key: str
) -> AsyncIterator[Replica]:
    """Another instance of the actions service (a replica, or the service restarted)."""
    app = create_app(task_settings(infra, keys), clock=clock)
    async with client_for(app, key) as client:
        yield Replica(app, client)


async def swept(*apps: FastAPI) -> None:
    """Wait until each app's escalation sweep has run twice more: one of them began after
    this call, so whatever the clock says now has been acted on."""
    targets = [(app.state.escalation, app.state.escalation.sweeps + 2) for app in apps]

    async def done() -> bool:
        return all(sweep.sweeps >= target for sweep, target in targets)

    await until(done, timeout=30)


@pytest.fixture(scope="package")
async def tasks(infra: Infra, keys: Keys) -> AsyncIterator[Tasks]:
    """The actions service following this package's map; on exit, the scoring map is back."""
    settings = task_settings(infra, keys)
    producer = create_producer(settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    tp, clock = Touchpoints(), FakeClock()
    version = max(MAP_VERSION_FLOOR, await newest_map_version(infra) + 1)
    await publish_map(publisher, version, tasks_map(tp))
    try:
        app = create_app(settings, clock=clock)
        async with client_for(app, keys.reader) as client:
            await until(lambda: _holds(app.state.journey, version))
            yield Tasks(app, client, publisher, settings, infra, keys, clock, tp)
    finally:
        await publish_map(publisher, version + 1, JOURNEY_MAP)
        await producer.stop()


async def _holds(holder: Any, version: int) -> bool:
    return bool(holder.version == version)


@pytest.fixture
def clock(tasks: Tasks) -> FakeClock:
    """The service's clock, back at T0 for each test."""
    tasks.clock.set(T0)
    return tasks.clock


def create_alert(
    customer_id: str,
    touchpoint: str | None,
    *,
    alert_id: str | None = None,
    number: int = 1,
    at: datetime = T0,
    **fields: Any,
) -> AlertChanged:
    """A customer alert as the alerts service publishes it; by default raised, priority 4
    (medium), logistics, LXI 40."""
    alert_id = alert_id or f"alt_{uuid.uuid4().hex}"
    values: dict[str, Any] = {
        "change": AlertChange.RAISED if number == 1 else AlertChange.OCCURRENCE,
        "rule": AlertRule.NEGATIVE_MOMENT_OF_TRUTH,
        "level": "customer",
        "department": "logistics",
        "referent": "lea-bernard",
        "severity": 4,
        "priority": 4.0,
        "occurrences": number,
        "moment_ids": [unique("moment")],
        "summary": f"Negative moment of truth at {touchpoint}",
        "persona": "busy-parent",
        "value_tier": "gold",
        "lxi": 40.0,
        **fields,
    }
    return AlertChanged(
        event_id=f"alert:{alert_id}:{number}",
        customer_id=customer_id,
        alert_id=alert_id,
        touchpoint=touchpoint,
        changed_at=at,
        **values,
    )


def create_moment(customer_id: str, at: datetime, lxi_after: float) -> MomentEvaluated:
    source = unique("src")
    return MomentEvaluated(
        event_id=f"moment:{source}",
        customer_id=customer_id,
        source_event_id=source,
        source="survey",
        touchpoint=None,
        known_touchpoint=False,
        moment_of_truth=False,
        moment_of_pain=False,
        occurred_at=at,
        valence=0.5,
        weight=1.0,
        polarity=Polarity.POSITIVE,
        lxi_after=lxi_after,
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


@pytest.fixture
async def session(tasks: Tasks) -> AsyncIterator[AsyncSession]:
    """A session of the package's database, for tests that write ``actions.task`` straight."""
    async with tasks.sessions() as session:
        yield session


def stored_task(
    task_id: str,
    opened: datetime,
    *,
    touchpoint: str,
    department: str | None,
    acknowledged: datetime | None,
    resolved: datetime | None,
    sla_due_at: datetime,
    **fields: Any,
) -> Task:
    """A task as the closed loop's tests write it straight into ``actions.task`` (its counts
    are the triggers' work): open or resolved, the rest of its columns fixed or ``fields``."""
    return Task(
        id=task_id,
        customer_id=unique("cust"),
        touchpoint=touchpoint,
        department=department,
        status="resolved" if resolved else "open",
        priority="medium",
        priority_score=0.5,
        severity=3,
        escalation_level=0,
        occurrences=1,
        alert_ids=[],
        opened_at=opened,
        due_at=opened + timedelta(hours=48),
        sla_due_at=sla_due_at,
        acknowledged_at=acknowledged,
        resolved_at=resolved,
        changes=1,
        **fields,
    )
