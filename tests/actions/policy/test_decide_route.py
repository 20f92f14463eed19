"""The decision endpoints' JsonRoute answers exactly what FastAPI's own handler answers: the
same app served both ways gets the same status, content type and bytes for bodies that
validate and for every kind of bad request (the errors come from FastAPI's handler, in its
order: a malformed body before a missing key)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from services.actions.policy import endpoints as policy_endpoints
from services.actions.policy.endpoints import Decider
from services.actions.policy.schemas import DecisionCreate, DecisionRead
from shared.config import ApiKey, ServiceSettings, hash_api_key
from shared.http import create_service_app
from shared.json_route import JsonRoute, _plan

KEY, READER = "json-route-key", "json-route-reader"
AT = datetime(2026, 1, 1, tzinfo=UTC)
VALID = {"customer_id": "c-1", "touchpoint": "checkout", "channel": "web"}


def _app(route_class: type) -> FastAPI:
    router = APIRouter(prefix="/v1", route_class=route_class)

    @router.post("/contact-policy/decide")
    async def decide(body: DecisionCreate, principal: Decider, request: Request) -> DecisionRead:
        assert request.url.path == "/v1/contact-policy/decide"
        return DecisionRead(
            decision_id=f"{principal.name}-{body.invite}",
            allowed=True,
            reason="allowed",
            next_allowed_at=None,
            refused_by=[],
            customer_id=body.customer_id,
            touchpoint=body.touchpoint,
            channel=body.channel,
            at=body.at or AT,
        )

    keys = (
        ApiKey(name="writer", sha256=hash_api_key(KEY), scopes=frozenset({"policy:write"})),
        ApiKey(name="reader", sha256=hash_api_key(READER), scopes=frozenset({"policy:read"})),
    )
    settings = ServiceSettings(api_keys=keys)
    return create_service_app(settings, title="t", description="d", routers=(router,))


def _json(body: Any) -> bytes:
    import json

    return json.dumps(body).encode()


JSON = {"content-type": "application/json"}
CASES: list[tuple[str, bytes, dict[str, str], str | None]] = [
    ("valid", _json(VALID), JSON, KEY),
    (
        "valid with every field",
        _json({**VALID, "at": "2026-03-01T10:00:00+01:00", "invite": True}),
        JSON,
        KEY,
    ),
    ("charset", _json(VALID), {"content-type": "application/json; charset=utf-8"}, KEY),
    ("+json", _json(VALID), {"content-type": "application/merge-patch+json"}, KEY),
    ("invite as a string", _json({**VALID, "invite": "true"}), JSON, KEY),
    ("invite as a number", _json({**VALID, "invite": 1}), JSON, KEY),
    (
        "duplicate keys",
        b'{"customer_id": "a", "customer_id": "b", "touchpoint": "checkout", "channel": "web"}',
        JSON,
        KEY,
    ),
    ("no key", _json(VALID), JSON, None),
    ("unknown key", _json(VALID), JSON, "nope"),
    ("key without the scope", _json(VALID), JSON, READER),
    ("malformed JSON without a key", b'{"customer_id": ', JSON, None),
    ("malformed JSON", b'{"customer_id": ', JSON, KEY),
    (
        "NaN",
        b'{"customer_id": "a", "touchpoint": "checkout", "channel": "web", "x": NaN}',
        JSON,
        KEY,
    ),
    ("missing field", _json({"customer_id": "c"}), JSON, KEY),
    ("missing field without a key", _json({"customer_id": "c"}), JSON, None),
    ("extra field", _json({**VALID, "extra": 1}), JSON, KEY),
    ("unknown channel", _json({**VALID, "channel": "pigeon"}), JSON, KEY),
    ("at as a number", _json({**VALID, "at": 1700000000}), JSON, KEY),
    ("at as a string of a number", _json({**VALID, "at": "1700000000"}), JSON, KEY),
    ("at without a zone", _json({**VALID, "at": "2026-03-01T10:00:00"}), JSON, KEY),
    ("unprintable id", _json({**VALID, "customer_id": "a b"}), JSON, KEY),
    (
        "lone surrogate",
        b'{"customer_id": "\\ud800", "touchpoint": "checkout", "channel": "web"}',
        JSON,
        KEY,
    ),
    ("null", b"null", JSON, KEY),
    ("array", b"[]", JSON, KEY),
    ("empty body", b"", JSON, KEY),
    ("UTF-16", _json(VALID).decode().encode("utf-16"), JSON, KEY),
    ("text/plain", _json(VALID), {"content-type": "text/plain"}, KEY),
    ("no content type", _json(VALID), {}, KEY),
]


@pytest.mark.parametrize(
    ("body", "headers", "key"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_the_same_answer_as_fastapis_handler(
    body: bytes, headers: dict[str, str], key: str | None
) -> None:
    answers = []
    for route_class in (JsonRoute, JsonRoute.__mro__[1]):
        auth = {"authorization": f"Bearer {key}"} if key else {}
        transport = httpx.ASGITransport(app=_app(route_class))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            response = await client.post(
                "/v1/contact-policy/decide", content=body, headers={**headers, **auth}
            )
        answers.append((response.status_code, response.headers["content-type"], response.content))
    assert answers[0] == answers[1]


def test_the_same_openapi_document() -> None:
    assert _app(JsonRoute).openapi() == _app(JsonRoute.__mro__[1]).openapi()


def test_the_decision_endpoints_take_the_short_path() -> None:
    short = {
        route.path
        for route in policy_endpoints.router.routes
        if isinstance(route, JsonRoute) and _plan(route) is not None
    }
    assert {"/v1/contact-policy/decide", "/v1/contact-policy/decide-batch"} <= short
