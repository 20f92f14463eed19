"""A real actions service for the contact policy tests, following a journey map of its own.

The map keeps the scoring tests' map whole (every service follows the highest version on
the shared topic) and adds touchpoints and personas whose ids end in a suffix unique to
the run; on exit the scoring tests' map is current again. Each test uses its own customers.
"""

from __future__ import annotations

import asyncio
import copy
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from services.actions.app import create_app
from services.actions.config import ActionsSettings
from services.actions.policy.models import policy_customer, policy_decision, policy_task
from shared.config import ApiKey, hash_api_key
from shared.events.schemas import CustomerProfileUpdated, SurveyAnswered
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, Running, client_for, read_all, settings_for
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until

MAP_VERSION_FLOOR = 4_000_000
WRITER_KEY = "policy-writer-key-0000"
READER_KEY = "policy-reader-key-0000"
PAGE_KEY = "survey-page-key-0000"  # ingest's: surveys:answer only
OPS_KEY = "policy-ops-key-0000"  # ops:read only
SERVICE_KEY = "policy-service-key-0000"  # po-service's referent: policy:read, ops:read
QUESTIONS = [{"id": "csat", "kind": "csat"}, {"id": "verbatim", "kind": "verbatim"}]
# Midday in Paris (the map's default zone): outside quiet hours.
T0 = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)


class Ids:
    """This run's touchpoints and personas (see ``policy_map``)."""

    def __init__(self) -> None:
        self.suffix = uuid.uuid4().hex[:8]
        # moment of truth, owner po-service, cool-down 14 d, hosted survey
        self.moment = self._id("moment")
        self.web = self._id("web")  # cool-down 14 d, everyone sampled, hosted survey
        self.other = self._id("other")  # cool-down 0
        self.half = self._id("half")  # sampling rate 0.5
        self.never = self._id("never")  # sampling rate 0
        self.quota_persona = self._id("quota")  # at most 2 invitations a day
        self.free_persona = self._id("free")  # no quota

    def _id(self, role: str) -> str:
        return f"po-{role}-{self.suffix}"


def policy_map(ids: Ids) -> dict[str, Any]:
    document = copy.deepcopy(JOURNEY_MAP)
    document["departments"] += [{"id": "po-service", "name": "Service"}]
    document["personas"] = [
        {"id": ids.quota_persona, "name": "Quota persona"},
        {"id": ids.free_persona, "name": "Free persona"},
    ]
    document["touchpoints"] += [
        _touchpoint(ids.moment, 14, 1.0, QUESTIONS, moment_of_truth=True, owner="po-service"),
        _touchpoint(ids.web, 14, 1.0, QUESTIONS),
        _touchpoint(ids.other, 0, 1.0),
        _touchpoint(ids.half, 0, 0.5),
        _touchpoint(ids.never, 0, 0.0),
    ]
    document["contact_policy"] = {
        "survey_interval_days": 30,
        "quiet_hours": {"start": "21:00", "end": "08:00"},
        "default_timezone": "Europe/Paris",
        "persona_quotas": [{"persona": ids.quota_persona, "period": "day", "max_invitations": 2}],
        "recovery_survey": True,
    }
    document["relationship"] = {
        "owner": "po-service",
        "every_days": 365,
        "personas": [ids.free_persona],
    }
    return document


def _touchpoint(
    touchpoint: str,
    cooldown: float,
    rate: float,
    questions: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    return {
        "id": touchpoint,
        "name": touchpoint,
        "channels": ["web"],
        "survey": {"cooldown_days": cooldown, "sampling_rate": rate, "questions": questions or []},
        **fields,
    }


def invitation_answer(
    customer: str,
    touchpoint: str,
    invitation_id: str,
    at: datetime,
    *,
    event_id: str | None = None,
    **answers: Any,
) -> SurveyAnswered:
    """The answer to invitation ``invitation_id`` as the hosted page publishes it (its event
    id derived from the invitation), answered and received ``at``."""
    return SurveyAnswered(
        event_id=event_id or f"survey:{invitation_id}",
        customer_id=customer,
        touchpoint=touchpoint,
        answered_at=at,
        received_at=at,
        invitation_id=invitation_id,
        **answers,
    )


def policy_keys(keys: Keys) -> tuple[ApiKey, ...]:
    """The session's keys, a policy:write key and a policy:read key."""
    return (
        *keys.all,
        ApiKey(
            name="survey-tool",
            sha256=hash_api_key(WRITER_KEY),
            scopes=frozenset({"policy:write", "policy:read"}),
        ),
        ApiKey(
            name="policy-viewer", sha256=hash_api_key(READER_KEY), scopes=frozenset({"policy:read"})
        ),
        ApiKey(
            name="survey-page", sha256=hash_api_key(PAGE_KEY), scopes=frozenset({"surveys:answer"})
        ),
        ApiKey(name="operator", sha256=hash_api_key(OPS_KEY), scopes=frozenset({"ops:read"})),
        ApiKey(
            name="service-referent",
            sha256=hash_api_key(SERVICE_KEY),
            scopes=frozenset({"policy:read", "ops:read"}),
            department="po-service",
        ),
    )


@dataclass
class Policy:
    running: Running
    infra: Infra
    ids: Ids

    @property
    def client(self) -> httpx.AsyncClient:
        return self.running.client

    async def decide(
        self, customer: str, touchpoint: str, at: datetime = T0, path: str = "decide", **body: Any
    ) -> dict[str, Any]:
        payload = {
            "customer_id": customer,
            "touchpoint": touchpoint,
            "channel": "web",
            "at": at.isoformat(),
            **body,
        }
        response = await self.client.post(f"/v1/contact-policy/{path}", json=payload)
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def ledger(self, customer: str, **params: Any) -> dict[str, Any]:
        response = await self.client.get(f"/v1/customers/{customer}/solicitations", params=params)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        return page

    async def profile(self, customer: str, updated_at: datetime, **fields: Any) -> None:
        """Publish a profile on cx.customers and wait until the policy holds it."""
        await self.running.send(
            [
                CustomerProfileUpdated(
                    event_id=f"profile-{uuid.uuid4().hex}",
                    customer_id=customer,
                    updated_at=updated_at,
                    received_at=updated_at,
                    **fields,
                )
            ]
        )

        async def held() -> bool:
            row = await self.row(select(policy_customer.c.profile_updated_at), customer)
            return row is not None and row[0] is not None and row[0] >= updated_at

        await until(held)

    async def row(self, query: Any, customer: str) -> Any:
        async with self.running.sessions() as session:
            table = query.get_final_froms()[0]
            return (await session.execute(query.where(table.c.customer_id == customer))).first()

    async def task_state(self, task_id: str) -> Any:
        async with self.running.sessions() as session:
            query = select(policy_task).where(policy_task.c.task_id == task_id)
            return (await session.execute(query)).first()

    async def decision(self, decision_id: str, timeout: float = 20) -> Any:
        """The ledger row of ``decision_id`` once it is there."""
        async with asyncio.timeout(timeout):
            while True:
                async with self.running.sessions() as session:
                    query = select(policy_decision).where(policy_decision.c.id == decision_id)
                    row = (await session.execute(query)).first()
                if row is not None:
                    return row
                await asyncio.sleep(0.05)

    async def invitations(self, customer: str) -> list[dict[str, Any]]:
        """The SurveyInvitationRequested events published so far for ``customer``."""
        records = await read_all(
            self.infra.bootstrap_servers,
            "cx.task-events",
            ce_subject=customer.encode(),
            ce_type=b"cxloop.survey.invitation-requested",
        )
        return [json.loads(r.value) for r in records]


@pytest.fixture(scope="package")
async def policy(infra: Infra, keys: Keys) -> AsyncIterator[Policy]:
    """The actions service following this run's map; on exit the scoring tests' map is
    current again."""
    settings = settings_for(
        infra,
        keys,
        ActionsSettings,
        api_keys=policy_keys(keys),
        kafka_session_timeout_ms=3000,
        db_pool_size=20,
    )
    producer = create_producer(settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    ids = Ids()
    version = max(MAP_VERSION_FLOOR, await newest_map_version(infra) + 1)
    try:
        await publish_map(publisher, version, policy_map(ids))
        app = create_app(settings)
        async with client_for(app, WRITER_KEY) as client:
            await until(lambda: _holds(app, version))
            yield Policy(Running(app, client, publisher, settings), infra, ids)
    finally:
        await publish_map(publisher, version + 1, JOURNEY_MAP)
        await producer.stop()


async def _holds(app: Any, version: int) -> bool:
    return bool(app.state.journey.version == version)
