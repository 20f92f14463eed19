"""The webhooks API: endpoints' lifecycle, validation, scopes, departments, delivery pages."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from shared.config import ApiKey, hash_api_key
from tests.alerts.conftest import Alerts, Receiver
from tests.alerts.test_webhook_delivery import create_alert, create_endpoint, settled, verified
from tests.conftest import Keys, unique
from tests.cursors import content, not_refused, tampered

LOGISTICS_KEY, SERVICE_KEY, READ_ONLY_KEY = (secrets.token_urlsafe(16) for _ in range(3))


@pytest.fixture(scope="module")
def alerts_overrides(keys: Keys) -> dict[str, Any]:
    return {
        "api_keys": (
            *keys.all,
            ApiKey(
                name="logistics-ops",
                sha256=hash_api_key(LOGISTICS_KEY),
                scopes=frozenset({"ops:*"}),
                department="logistics",
            ),
            ApiKey(
                name="service-ops",
                sha256=hash_api_key(SERVICE_KEY),
                scopes=frozenset({"ops:*"}),
                department="service",
            ),
            ApiKey(
                name="dashboard", sha256=hash_api_key(READ_ONLY_KEY), scopes=frozenset({"ops:read"})
            ),
        ),
        "webhook_poll_seconds": 0.1,
    }


def as_key(alerts: Alerts, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=alerts.client.base_url, timeout=30, headers={"Authorization": f"Bearer {key}"}
    )


def fields_of(response: httpx.Response) -> list[tuple[str, str]]:
    """Each invalid value's (location, field)."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [(error["location"], error["field"]) for error in response.json()["errors"]]


async def test_an_endpoint_is_created_read_changed_and_deleted(
    alerts: Alerts, receiver: Receiver
) -> None:
    url, department = receiver.url(f"/{unique('hook')}"), await alerts.department()
    endpoint = await create_endpoint(
        alerts, url, department, ("alert.raised", "task.opened"), owner_email="ops@example.com"
    )
    path = f"/v1/webhooks/{endpoint['id']}"

    assert endpoint["secret"].startswith("whsec_")
    assert (endpoint["url"], endpoint["department"], endpoint["enabled"]) == (url, department, True)
    assert endpoint["event_types"] == ["alert.raised", "task.opened"]
    read = (await alerts.client.get(path)).json()
    assert "secret" not in read
    assert read == {k: v for k, v in endpoint.items() if k != "secret"}
    listed = (await alerts.client.get("/v1/webhooks")).json()
    assert [e for e in listed if e["id"] == endpoint["id"]] == [read]
    assert all("secret" not in e for e in listed)

    changed = await alerts.client.patch(
        path, json={"event_types": ["task.escalated"], "department": None, "owner_email": None}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["event_types"] == ["task.escalated"]
    assert (changed.json()["department"], changed.json()["owner_email"]) == (None, None)
    assert changed.json()["url"] == url
    assert changed.json()["updated_at"] > endpoint["updated_at"]

    assert (await alerts.client.delete(path)).status_code == 204
    gone = await alerts.client.get(path)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert (await alerts.client.delete(path)).status_code == 404


async def test_invalid_requests_name_their_fields(alerts: Alerts, receiver: Receiver) -> None:
    client = alerts.client
    good = {"url": receiver.url(f"/{unique('hook')}"), "event_types": ["alert.raised"]}
    endpoint = await create_endpoint(alerts, good["url"], await alerts.department())
    path = f"/v1/webhooks/{endpoint['id']}"

    cases: list[tuple[str, str, dict[str, Any], tuple[str, str]]] = [
        ("POST", "/v1/webhooks", {"json": {"event_types": ["alert.raised"]}}, ("body", "url")),
        ("POST", "/v1/webhooks", {"json": {**good, "url": "ftp://x/y"}}, ("body", "url")),
        ("POST", "/v1/webhooks", {"json": {**good, "url": "https://h:99999/"}}, ("body", "url")),
        # a CR/LF or a space: refused by the client at every delivery, so here
        (
            "POST",
            "/v1/webhooks",
            {"json": {**good, "url": "http://example.com/\r\nX-Injected: 1"}},
            ("body", "url"),
        ),
        (
            "POST",
            "/v1/webhooks",
            {"json": {**good, "url": "http://exa mple.com/"}},
            ("body", "url"),
        ),
        ("POST", "/v1/webhooks", {"json": {**good, "url": "http://exämple.com/"}}, ("body", "url")),
        ("PATCH", path, {"json": {"url": "http://example.com/\nfoo"}}, ("body", "url")),
        ("POST", "/v1/webhooks", {"json": {**good, "event_types": []}}, ("body", "event_types")),
        ("POST", "/v1/webhooks", {"json": {**good, "secret": "whsec_x"}}, ("body", "secret")),
        (
            "POST",
            "/v1/webhooks",
            {"json": {**good, "owner_email": "nobody"}},
            ("body", "owner_email"),
        ),
        (
            "POST",
            "/v1/webhooks",
            {"json": {**good, "department": "Not A Slug"}},
            ("body", "department"),
        ),
        ("PATCH", path, {"json": {"url": None}}, ("body", "url")),
        ("PATCH", path, {"json": {"enabled": None}}, ("body", "enabled")),
        ("PATCH", path, {"json": {"enabled": "false"}}, ("body", "enabled")),
        ("PATCH", path, {"json": {"enabled": 0}}, ("body", "enabled")),
        ("GET", "/v1/webhooks/not-a-uuid", {}, ("path", "endpoint_id")),
        (
            "POST",
            f"{path}/replay",
            {"params": {"since": "2026-01-01T00:00:00"}},
            ("query", "since"),
        ),
        ("POST", f"{path}/replay", {}, ("query", "since")),
        ("GET", "/v1/deliveries", {"params": {"status": "lost"}}, ("query", "status")),
    ]
    for method, url, request, field in cases:
        assert fields_of(await client.request(method, url, **request)) == [field], (method, url)
    unknown = await client.post("/v1/webhooks", json={**good, "event_types": ["alert.raisd"]})
    assert fields_of(unknown) == [("body", "event_types")]
    assert "alert.raised" in unknown.json()["errors"][0]["message"]
    missing = await client.get("/v1/webhooks/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert (
        await client.get("/v1/deliveries/00000000-0000-0000-0000-000000000000")
    ).status_code == 404


async def test_a_deliveries_cursor_this_list_did_not_give_is_a_400(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(alerts, receiver.url(path), department, ("alert.raised",))
    await alerts.send([create_alert(department) for _ in range(2)])
    await settled(alerts, endpoint["id"], 2)
    query = {"endpoint_id": endpoint["id"]}
    first = (await alerts.client.get("/v1/deliveries", params={**query, "limit": 1})).json()
    cursor = first["next_cursor"]
    # the same position as the alerts list would give it, signed by this service
    of_alerts = alerts.app.state.cursors.sign(("alerts",), content(cursor))
    unsigned = base64.urlsafe_b64encode(b'["2026-12-06T22:18:35+00:00", -1]').decode()
    # signed, but no delivery's position: only a bug could give it
    no_delivery = alerts.app.state.cursors.after(("deliveries",), datetime.now(UTC), "x")

    forgeries = [*tampered(cursor, ("deliveries",)).values(), of_alerts, unsigned, no_delivery]

    assert await not_refused(alerts.client, "/v1/deliveries", forgeries, **query) == {}
    following = await alerts.client.get("/v1/deliveries", params={**query, "cursor": cursor})
    assert len(following.json()["items"]) == 1


async def test_scopes_are_required(alerts: Alerts, keys: Keys) -> None:
    async with as_key(alerts, keys.writer) as website, as_key(alerts, READ_ONLY_KEY) as dashboard:
        assert (await website.get("/v1/webhooks")).status_code == 403
        assert (await website.get("/v1/deliveries")).status_code == 403
        assert (await dashboard.get("/v1/webhooks")).status_code == 200
        assert (await dashboard.post("/v1/webhooks", json={})).status_code == 403
    async with httpx.AsyncClient(base_url=alerts.client.base_url) as anonymous:
        assert (await anonymous.get("/v1/webhooks")).status_code == 401


async def test_a_department_key_sees_and_manages_only_its_department(
    alerts: Alerts, receiver: Receiver
) -> None:
    path = f"/{unique('hook')}"
    async with as_key(alerts, LOGISTICS_KEY) as logistics, as_key(alerts, SERVICE_KEY) as service:
        created = await logistics.post(
            "/v1/webhooks", json={"url": receiver.url(path), "event_types": ["alert.raised"]}
        )
        endpoint = created.json()
        own = f"/v1/webhooks/{endpoint['id']}"
        other_department = await logistics.post(
            "/v1/webhooks",
            json={
                "url": receiver.url(path),
                "event_types": ["alert.raised"],
                "department": "service",
            },
        )
        moved = await logistics.patch(own, json={"department": None})
        await alerts.send([create_alert("logistics")])
        (delivery,) = await settled(alerts, endpoint["id"])

        assert created.status_code == 201, created.text
        assert endpoint["department"] == "logistics"
        assert other_department.status_code == 403
        assert moved.status_code == 403
        assert (await service.get(own)).status_code == 404
        assert (await service.patch(own, json={"enabled": False})).status_code == 404
        assert (await service.post(f"{own}/rotate-secret")).status_code == 404
        assert (await service.delete(own)).status_code == 404
        assert endpoint["id"] not in [e["id"] for e in (await service.get("/v1/webhooks")).json()]
        assert endpoint["id"] in [e["id"] for e in (await logistics.get("/v1/webhooks")).json()]
        assert endpoint["id"] in [e["id"] for e in (await alerts.client.get("/v1/webhooks")).json()]
        mine = (await logistics.get("/v1/deliveries")).json()["items"]
        theirs = (await service.get("/v1/deliveries")).json()["items"]
        assert delivery["id"] in [d["id"] for d in mine]
        assert delivery["id"] not in [d["id"] for d in theirs]
        assert (await service.get(f"/v1/deliveries/{delivery['id']}")).status_code == 404
        assert (await service.post(f"/v1/deliveries/{delivery['id']}/replay")).status_code == 404
        assert (await logistics.get(f"/v1/deliveries/{delivery['id']}")).status_code == 200
        assert (await logistics.delete(own)).status_code == 204  # other modules use logistics


async def test_deliveries_come_newest_first_page_by_page(
    alerts: Alerts, receiver: Receiver
) -> None:
    department, path = await alerts.department(), f"/{unique('hook')}"
    endpoint = await create_endpoint(
        alerts, receiver.url(path), department, ("alert.raised", "alert.occurrence")
    )
    customer = unique("cust")
    await alerts.send([create_alert(department, customer_id=customer) for _ in range(4)])
    await alerts.send([create_alert(department, "occurrence", customer_id=customer)])
    everything = await settled(alerts, endpoint["id"], 5)

    pages, cursor = [], None
    while True:
        params = {
            "endpoint_id": endpoint["id"],
            "limit": 2,
            **({"cursor": cursor} if cursor else {}),
        }
        body = (await alerts.client.get("/v1/deliveries", params=params)).json()
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break

    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [d for page in pages for d in page]
    assert listed == everything
    assert [d["created_at"] for d in listed] == sorted(
        (d["created_at"] for d in listed), reverse=True
    )
    only = await alerts.client.get(
        "/v1/deliveries", params={"endpoint_id": endpoint["id"], "event_type": "alert.occurrence"}
    )
    assert [d["event_type"] for d in only.json()["items"]] == ["alert.occurrence"]


def with_credentials(url: str, userinfo: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{userinfo}@{rest}"


@pytest.mark.parametrize(
    ("userinfo", "hidden", "sent"),
    [
        ("hook-user:s3cr%21t", "hook-user:***", b"hook-user:s3cr!t"),
        # a user alone is often a token (https://TOKEN@host): hidden whole
        ("t0ken-s3cr%21t", "***", b"t0ken-s3cr!t:"),
    ],
)
async def test_a_url_s_password_is_never_read_back_and_is_still_sent(
    alerts: Alerts, receiver: Receiver, userinfo: str, hidden: str, sent: bytes
) -> None:
    """The password of a receiver's Basic authentication, kept in its URL, reaches the
    receiver; every answer that shows the URL writes it ***, and a URL sent back as shown
    keeps the password stored."""
    department, path = await alerts.department(), f"/{unique('hook')}"
    url = with_credentials(receiver.url(path), userinfo)
    shown = with_credentials(receiver.url(path), hidden)
    client = alerts.client

    created = await create_endpoint(alerts, url, department)
    own = f"/v1/webhooks/{created['id']}"
    read = (await client.get(own)).json()
    listed = next(e for e in (await client.get("/v1/webhooks")).json() if e["id"] == created["id"])
    changed = await client.patch(own, json={"url": shown, "owner_email": "ops@example.com"})
    rotated = await client.post(f"{own}/rotate-secret")
    await alerts.send([create_alert(department)])
    (request,) = await receiver.wait_for(path, 1)
    (delivery,) = await settled(alerts, created["id"])
    detail = await client.get(f"/v1/deliveries/{delivery['id']}")
    deliveries = await client.get("/v1/deliveries", params={"endpoint_id": created["id"]})

    assert [created["url"], read["url"], listed["url"]] == [shown, shown, shown]
    assert (changed.status_code, changed.json()["url"]) == (200, shown)
    assert (rotated.status_code, rotated.json()["url"]) == (200, shown)
    basic = base64.b64encode(sent).decode()
    assert request.headers["authorization"] == f"Basic {basic}"
    assert verified(rotated.json()["secret"], request)
    for answer in (detail, deliveries):
        assert answer.status_code == 200
        assert "s3cr" not in answer.text


async def test_a_url_whose_password_is_the_hidden_form_is_refused(
    alerts: Alerts, receiver: Receiver
) -> None:
    """Stored, *** would be sent as the password: a URL copied from a read is refused, save
    sent back unchanged to its own endpoint."""
    other = with_credentials(receiver.url(f"/{unique('hook')}"), "hook-user:secret")
    endpoint = await create_endpoint(alerts, other, await alerts.department())
    copies = [
        {"url": with_credentials(receiver.url("/elsewhere"), userinfo)}
        for userinfo in ("hook-user:***", "***")
    ]

    refused = [
        await alerts.client.post("/v1/webhooks", json={**copied, "event_types": ["alert.raised"]})
        for copied in copies
    ] + [await alerts.client.patch(f"/v1/webhooks/{endpoint['id']}", json=c) for c in copies]

    for response in refused:
        assert fields_of(response) == [("body", "url")]
        assert response.json()["errors"][0]["code"] == "hidden_password"


async def test_a_department_the_journey_map_does_not_name_is_refused(
    alerts: Alerts, receiver: Receiver
) -> None:
    """Events reach departments through the map alone: an endpoint for a department it does
    not name (a typo) would never receive anything."""
    known = await alerts.department()
    body = {"url": receiver.url(f"/{unique('hook')}"), "event_types": ["alert.raised"]}
    endpoint = await create_endpoint(alerts, body["url"], known)
    own = f"/v1/webhooks/{endpoint['id']}"

    refused = [
        await alerts.client.post("/v1/webhooks", json={**body, "department": "logisitics"}),
        await alerts.client.patch(own, json={"department": "logisitics"}),
    ]

    version = alerts.app.state.journey.version
    for response in refused:
        assert fields_of(response) == [("body", "department")]
        (error,) = response.json()["errors"]
        assert error["code"] == "unknown_department"
        assert (error["params"]["id"], error["params"]["version"]) == ("logisitics", version)
        assert error["params"]["known"].split(", ")[:2] == ["logistics", "service"]
        assert known in error["params"]["known"].split(", ")
        assert error["message"].startswith(
            f"unknown department 'logisitics': the journey map (version {version}) names "
            "logistics, service, "
        )
    assert (await alerts.client.get(own)).json()["department"] == known
