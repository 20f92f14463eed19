"""Every date of every API, driven to the edges of the calendar: the extremes of
``datetime``, every UTC offset from −23:59 to +23:59, and no offset at all.

Whatever the date, the answer is never a 5xx nor a dropped connection; a date outside
cxloop's range (or without an offset) is a 422 naming its field.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from services.actions.app import create_app as create_actions
from services.actions.config import ActionsSettings
from services.alerts.app import create_app as create_alerts
from services.alerts.config import AlertsSettings
from services.ingest.app import create_app as create_ingest
from services.ingest.config import IngestSettings
from services.scoring.app import create_app as create_scoring
from services.scoring.config import ScoringSettings
from shared.events.values import EARLIEST, LATEST
from tests.actions.factories import create_journey_map
from tests.conftest import Infra, Keys, serve, settings_for, unique
from tests.ingest.factories import create_customer, create_interaction, create_survey_response

Request = Callable[[str], dict[str, Any]]  # a date, written, → httpx.request arguments


@dataclass(frozen=True)
class DateInput:
    """One place an API takes a date: the request that carries it, and its field."""

    service: str
    method: str
    path: str
    location: str
    field: str
    request: Request
    day: bool = False  # a calendar day (YYYY-MM-DD) rather than an instant


def _query(name: str) -> Request:
    return lambda value: {"params": {name: value}}


def _json(build: Callable[[str], dict[str, Any]]) -> Request:
    return lambda value: {"json": build(value)}


def _decision(at: str) -> dict[str, Any]:
    return {"customer_id": unique("c"), "touchpoint": "checkout", "channel": "web", "at": at}


def _batch(build: Callable[..., dict[str, Any]], kind: str, name: str) -> Request:
    return _json(lambda value: {"items": [{**build(**{name: value}), "type": kind}]})


INPUTS = [
    DateInput(
        "ingest",
        "POST",
        "/v1/interactions",
        "body",
        "occurred_at",
        _json(lambda v: create_interaction(occurred_at=v)),
    ),
    DateInput(
        "ingest",
        "POST",
        "/v1/survey-responses",
        "body",
        "answered_at",
        _json(lambda v: create_survey_response(answered_at=v)),
    ),
    DateInput(
        "ingest",
        "POST",
        "/v1/customers",
        "body",
        "updated_at",
        _json(lambda v: create_customer(updated_at=v)),
    ),
    DateInput(
        "ingest",
        "POST",
        "/v1/batch",
        "body",
        "items.0.occurred_at",
        _batch(create_interaction, "interaction", "occurred_at"),
    ),
    DateInput(
        "ingest",
        "POST",
        "/v1/batch",
        "body",
        "items.0.answered_at",
        _batch(create_survey_response, "survey_response", "answered_at"),
    ),
    DateInput(
        "ingest",
        "POST",
        "/v1/batch",
        "body",
        "items.0.updated_at",
        _batch(create_customer, "customer", "updated_at"),
    ),
    *(
        DateInput("scoring", "GET", path, "query", name, _query(name), day=True)
        for path in (
            "/v1/touchpoints/checkout/stats",
            "/v1/journeys/online-purchase/stats",
            "/v1/reports/four-dimensions",
            "/v1/reports/c2es",
            "/v1/reports/unknown-touchpoints",
        )
        for name in ("from", "to")
    ),
    DateInput(
        "alerts", "POST", f"/v1/webhooks/{uuid.uuid4()}/replay", "query", "since", _query("since")
    ),
    *(
        DateInput("actions", "GET", path, "query", "as_of", _query("as_of"))
        for path in ("/v1/backlog", "/v1/backlog/quick-wins", "/v1/backlog/bl_none")
    ),
    *(
        DateInput("actions", "GET", path, "query", name, _query(name))
        for path in ("/v1/reports/root-causes", "/v1/reports/closed-loop")
        for name in ("from", "to")
    ),
    DateInput("actions", "POST", "/v1/contact-policy/decide", "body", "at", _json(_decision)),
    DateInput("actions", "POST", "/v1/contact-policy/simulate", "body", "at", _json(_decision)),
    DateInput(
        "actions",
        "POST",
        "/v1/contact-policy/decide-batch",
        "body",
        "decisions.0.at",
        _json(lambda v: {"decisions": [_decision(v)]}),
    ),
    DateInput(
        "actions",
        "PATCH",
        "/v1/tasks/tsk_none",
        "body",
        "customer_recontacted.at",
        _json(lambda v: {"customer_recontacted": {"at": v, "channel": "phone"}}),
    ),
]

# Every offset a time zone can be written with (RFC 3339 allows ±23:59), and none.
MINUTES = 23 * 60 + 59
OFFSETS = st.integers(-MINUTES, MINUTES).map(lambda m: timezone(timedelta(minutes=m)))
EXTREMES = [datetime.min, datetime.max, datetime(1969, 12, 31, 23, 59, 59), datetime(2199, 12, 31)]
INSTANTS = st.one_of(
    st.datetimes(timezones=OFFSETS),
    st.builds(datetime.replace, st.sampled_from(EXTREMES), tzinfo=OFFSETS),
    st.datetimes(),  # naive
    st.sampled_from(EXTREMES),
)


def in_range(value: datetime, day: bool) -> bool:
    """Whether cxloop's range holds the date (as it is written: its day, or its instant)."""
    if day:
        return EARLIEST.date() <= value.date() < LATEST.date()
    if value.utcoffset() is None:
        return False
    try:
        return EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        return False


def written(value: datetime, day: bool) -> str:
    return value.date().isoformat() if day else value.isoformat()


@dataclass
class Apis:
    clients: dict[str, httpx.AsyncClient]


@pytest.fixture(scope="module")
async def apis(infra: Infra, keys: Keys) -> AsyncIterator[Apis]:
    factories = {
        "ingest": (create_ingest, IngestSettings, keys.writer),
        "scoring": (create_scoring, ScoringSettings, keys.reader),
        "alerts": (create_alerts, AlertsSettings, keys.reader),
        "actions": (create_actions, ActionsSettings, keys.reader),
    }
    async with AsyncExitStack() as stack:
        clients = {}
        for name, (create, cls, key) in factories.items():
            url = await stack.enter_async_context(serve(create(settings_for(infra, keys, cls))))
            headers = {"Authorization": f"Bearer {key}"}
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, headers=headers, timeout=30)
            )
        await _journey_map_applied(clients["actions"])
        yield Apis(clients)


async def _journey_map_applied(actions: httpx.AsyncClient) -> None:
    """A map stored, and applied by the contact policy (which answers 503 until then)."""
    assert (await actions.put("/v1/journey-map", json=create_journey_map())).status_code == 201
    now = datetime.now(UTC).isoformat()
    async with asyncio.timeout(20):
        while (
            await actions.post("/v1/contact-policy/simulate", json=_decision(now))
        ).status_code == 503:
            await asyncio.sleep(0.1)


@pytest.mark.parametrize("where", INPUTS, ids=lambda i: f"{i.method} {i.path} {i.field}")
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(value=INSTANTS)
@example(value=datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=12))))
@example(value=datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
@example(value=datetime(2026, 11, 23, 10))
@example(value=datetime(1, 1, 1, tzinfo=UTC))
async def test_any_date_is_answered_without_a_server_error(
    apis: Apis, where: DateInput, value: datetime
) -> None:
    client = apis.clients[where.service]

    response = await client.request(
        where.method, where.path, **where.request(written(value, where.day))
    )

    assert response.status_code < 500, response.text
    if not in_range(value, where.day):
        assert response.status_code == 422, response.text
        named = [(e["location"], e["field"]) for e in response.json().get("errors", [])]
        assert (where.location, where.field) in named, response.text
