"""The hosted survey for real: actions (invitations, lookup) and ingest (the page) served on
loopback, on the suite's broker and database, following a journey map of this run.

The map keeps the scoring tests' map whole (every service follows the highest version on
the shared topic) and adds touchpoints with hosted surveys whose ids end in a suffix unique
to the run; on exit the scoring tests' map is current again.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from services.actions.app import create_app as create_actions
from services.actions.config import ActionsSettings
from services.actions.policy.models import policy_customer
from services.actions.surveys.models import survey_invitation
from services.ingest.app import create_app as create_ingest
from services.ingest.config import IngestSettings
from shared.config import ApiKey, hash_api_key
from shared.events.schemas import CustomerProfileUpdated
from shared.kafka.producer import EventPublisher, create_producer
from tests.alerts.rules_fixtures import newest_map_version
from tests.conftest import Infra, Keys, serve, settings_for
from tests.scoring.conftest import JOURNEY_MAP, publish_map, until

MAP_VERSION_FLOOR = 6_000_000
ORGANISATION = "Magasins Dupont & Fils"  # who asks, as the map names it
INVITER_KEY = "survey-page-inviter-key-0000"  # policy:write: asks for invitations
PAGE_KEY = "survey-page-lookup-key-0000"  # ingest's own: surveys:answer only
FULL_SURVEY = [
    {"id": "nps", "kind": "nps"},
    {"id": "effort", "kind": "ces"},
    {"id": "expectation", "kind": "expectation", "required": False},
    {"id": "comment", "kind": "verbatim"},
    {"id": "callback", "kind": "callback_consent"},
]


@dataclass(frozen=True)
class Invited:
    invitation_id: str
    token: str
    path: str  # /s/<token>


@dataclass
class SurveyStack:
    infra: Infra
    actions: httpx.AsyncClient  # with the policy:write key
    actions_app: FastAPI
    ingest_url: str
    publisher: EventPublisher
    touchpoint: str  # with FULL_SURVEY

    async def invite(self, customer: str, at: datetime | None = None) -> Invited:
        """An invitation to ``touchpoint``'s survey, sent ``at`` (default: now)."""
        body = {
            "customer_id": customer,
            "touchpoint": self.touchpoint,
            "channel": "email",
            "interaction_event_id": f"ev-{customer}",
            "at": (at or datetime.now(UTC)).isoformat(),
        }
        response = await self.actions.post("/v1/invitations", json=body)
        assert response.status_code == 200, response.text
        decision = response.json()
        assert decision["allowed"], decision
        link = decision["invitation"]["link"]
        token = link.rsplit("/s/", 1)[1]
        return Invited(decision["invitation"]["invitation_id"], token, f"/s/{token}")

    async def expired(self, customer: str) -> Invited:
        """An invitation whose week has passed (its expiry moved to a second ago)."""
        invited = await self.invite(customer)
        sessions = self.actions_app.state.sessions
        async with sessions() as session, session.begin():
            await session.execute(
                update(survey_invitation)
                .where(survey_invitation.c.invitation_id == invited.invitation_id)
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
        return invited

    async def status(self, invited: Invited) -> str:
        """The invitation's status as actions tells the page (without marking it opened)."""
        response = await self.actions.post(
            "/v1/invitations/lookup",
            json={"token": invited.token, "mark_opened": False},
            headers={"Authorization": f"Bearer {PAGE_KEY}"},
        )
        assert response.status_code == 200, response.text
        status: str = response.json()["status"]
        return status

    async def profile(self, customer: str, locale: str) -> None:
        """Give ``customer`` a locale, and wait until actions holds it (its invitations then
        carry it)."""
        now = datetime.now(UTC)
        event = CustomerProfileUpdated(
            event_id=f"profile-{uuid.uuid4().hex}",
            customer_id=customer,
            locale=locale,
            updated_at=now,
            received_at=now,
        )
        assert not any(await self.publisher.publish_many([event]))
        query = select(policy_customer.c.locale).where(policy_customer.c.customer_id == customer)

        async def held() -> bool:
            async with self.actions_app.state.sessions() as session:
                return bool((await session.execute(query)).scalar() == locale)

        await until(held)

    def ingest(self, **headers: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.ingest_url, headers=headers, timeout=30)


def stack_map(touchpoint: str) -> dict[str, Any]:
    document = copy.deepcopy(JOURNEY_MAP)
    document["touchpoints"].append(
        {
            "id": touchpoint,
            "name": "Store visit",
            "channels": ["store"],
            "weight": 1.0,
            "survey": {
                "cooldown_days": 0,
                "sampling_rate": 1.0,
                "title": {"fr": "Votre visite en magasin", "en": "Your store visit"},
                "questions": FULL_SURVEY,
            },
        }
    )
    document["organisation"] = ORGANISATION
    # invitations are asked at any hour of the run
    document["contact_policy"] = {"survey_interval_days": 30, "quiet_hours": None}
    return document


def stack_keys(keys: Keys) -> tuple[ApiKey, ...]:
    return (
        *keys.all,
        ApiKey(
            name="survey-inviter",
            sha256=hash_api_key(INVITER_KEY),
            scopes=frozenset({"policy:write", "policy:read"}),
        ),
        ApiKey(name="ingest", sha256=hash_api_key(PAGE_KEY), scopes=frozenset({"surveys:answer"})),
    )


@asynccontextmanager
async def survey_stack(
    infra: Infra, keys: Keys, followers: Sequence[FastAPI] = (), **ingest: Any
) -> AsyncIterator[SurveyStack]:
    """Actions and ingest, served, once actions and the ``followers`` (a scoring app…) hold
    the run's map; ``ingest`` overrides ingest's settings."""
    actions_settings = settings_for(infra, keys, ActionsSettings, api_keys=stack_keys(keys))
    producer = create_producer(actions_settings)
    await producer.start()
    publisher = EventPublisher(producer, "/tests", timeout=10)
    touchpoint = f"sp-visit-{uuid.uuid4().hex[:8]}"
    version = max(MAP_VERSION_FLOOR, await newest_map_version(infra) + 1)
    try:
        await publish_map(publisher, version, stack_map(touchpoint))
        async with AsyncExitStack() as stack:
            actions_app = create_actions(actions_settings)
            actions_url = await stack.enter_async_context(serve(actions_app))
            for app in (actions_app, *followers):
                await until(lambda app=app: _holds(app, version))  # type: ignore[misc]
            ingest_settings = settings_for(
                infra,
                keys,
                IngestSettings,
                actions_url=actions_url,
                actions_api_key=PAGE_KEY,
                **ingest,
            )
            ingest_url = await stack.enter_async_context(serve(create_ingest(ingest_settings)))
            headers = {"Authorization": f"Bearer {INVITER_KEY}"}
            client = httpx.AsyncClient(base_url=actions_url, headers=headers, timeout=30)
            await stack.enter_async_context(client)
            yield SurveyStack(infra, client, actions_app, ingest_url, publisher, touchpoint)
    finally:
        await publish_map(publisher, version + 1, JOURNEY_MAP)
        await producer.stop()


async def _holds(app: FastAPI, version: int) -> bool:
    return bool(app.state.journey.version == version)
