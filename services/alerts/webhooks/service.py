"""Webhook endpoints as the API manages them: create, change, rotate, disable, replay.

These functions only flush; the request's unit of work commits. A key bound to a
department sees and manages only that department's endpoints (others are "not found").
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.config import AlertsSettings
from services.alerts.webhooks.delivery_repository import DeliveryRepository
from services.alerts.webhooks.endpoint_repository import EndpointRepository
from services.alerts.webhooks.models import WebhookEndpoint, disabled_because
from services.alerts.webhooks.schemas import (
    HIDDEN,
    EndpointCreate,
    EndpointRead,
    EndpointUpdate,
    EndpointWithSecret,
    Replayed,
    shown_url,
)
from services.alerts.webhooks.signing import new_secret
from services.alerts.webhooks.ssrf import UnsafeUrl, check_url
from services.alerts.webhooks.timing import utcnow
from shared.auth import Principal
from shared.kafka.journey_watch import JourneyMapHolder
from shared.problems import Param, ProblemError, field_error


async def create_endpoint(
    session: AsyncSession,
    principal: Principal,
    body: EndpointCreate,
    settings: AlertsSettings,
    journey: JourneyMapHolder,
) -> EndpointWithSecret:
    """:raises ProblemError: 403 for another department than the key's, 422 for a URL that
    reaches a private network or whose password is the API's hidden form, or a department
    the journey map does not name; 503 before this process applies a journey map."""
    given = "department" in body.model_fields_set
    department = _department_for(principal, body.department, given=given)
    if given and department is not None:
        _check_department(department, journey)
    await _check_target(body.url, settings)
    now = utcnow()
    endpoint = WebhookEndpoint(
        url=body.url,
        event_types=body.event_types,
        department=department,
        owner_email=body.owner_email,
        secret=new_secret(),
        created_at=now,
        updated_at=now,
    )
    endpoint = await EndpointRepository(session).add(endpoint)
    return _with_secret(endpoint)


async def list_endpoints(session: AsyncSession, principal: Principal) -> list[EndpointRead]:
    endpoints = await EndpointRepository(session).visible_to(principal.department)
    return [EndpointRead.model_validate(e) for e in endpoints]


async def get_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    """:raises ProblemError: 404 when there is none, or none the key may see."""
    endpoint = await EndpointRepository(session).get(
        endpoint_id, principal.department, for_update=for_update
    )
    if endpoint is None:
        raise ProblemError(404, "Not found", f"no webhook endpoint {endpoint_id}")
    return endpoint


async def update_endpoint(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    body: EndpointUpdate,
    settings: AlertsSettings,
    journey: JourneyMapHolder,
) -> EndpointRead:
    """Change the fields present in ``body``. Disabling cancels the pending deliveries;
    enabling clears the reason and the run of failures. A URL sent back as the API shows it
    (its password hidden) leaves the stored URL as it is.

    :raises ProblemError: 404, 403 (another department), 422 (a private URL, a department
        the journey map does not name), 503 (no journey map applied yet).
    """
    endpoint = await get_endpoint(session, principal, endpoint_id, for_update=True)
    changes = body.model_dump(exclude_unset=True)
    if "department" in changes:
        changes["department"] = _department_for(principal, changes["department"], given=True)
        if changes["department"] is not None:
            _check_department(changes["department"], journey)
    if changes.get("url") == shown_url(endpoint.url):
        del changes["url"]  # sent back as read, its password hidden: the stored one stays
    if "url" in changes:
        await _check_target(changes["url"], settings)
    enabled = changes.pop("enabled", None)
    for name, value in changes.items():
        setattr(endpoint, name, value)
    if enabled is False and endpoint.enabled:
        reason = disabled_because("disabled_by", f"disabled by {principal.name}", by=principal.name)
        endpoint.enabled, endpoint.disabled_reason = False, reason["text"]
        endpoint.coded_disabled_reason = reason
        await DeliveryRepository(session).cancel_pending(endpoint.id)
    elif enabled is True:
        endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
        endpoint.coded_disabled_reason = None
    endpoint.updated_at = utcnow()
    await session.flush()
    return EndpointRead.model_validate(endpoint)


async def delete_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID
) -> None:
    """Delete it with its deliveries and their attempts."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    await EndpointRepository(session).delete(endpoint)


async def rotate_secret(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, overlap: timedelta
) -> EndpointWithSecret:
    """A new secret; the current one keeps signing beside it for ``overlap``."""
    endpoint = await get_endpoint(session, principal, endpoint_id, for_update=True)
    now = utcnow()
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + overlap
    endpoint.secret, endpoint.updated_at = new_secret(), now
    await session.flush()
    return _with_secret(endpoint)


async def replay_since(
    session: AsyncSession,
    principal: Principal,
    endpoint_id: uuid.UUID,
    since: datetime,
    status: str | None,
) -> Replayed:
    """Queue again the endpoint's deliveries created since ``since`` (not the pending ones,
    nor those of erased customers): the same rows, so the same webhook-id, sent again from
    the start of the schedule.

    :raises ProblemError: 404, or 409 when the endpoint is disabled.
    """
    endpoint = await get_endpoint(session, principal, endpoint_id)
    _require_enabled(endpoint)
    count = await DeliveryRepository(session).requeue_since(endpoint.id, since, status, utcnow())
    return Replayed(replayed=count)


def _require_enabled(endpoint: WebhookEndpoint) -> None:
    if not endpoint.enabled:
        detail = f"enable webhook endpoint {endpoint.id} before replaying to it"
        raise ProblemError(409, "Endpoint disabled", detail)


def _department_for(principal: Principal, wanted: str | None, *, given: bool) -> str | None:
    """The department an endpoint gets; a key bound to one cannot choose another."""
    if principal.department is None:
        return wanted
    if given and wanted != principal.department:
        detail = f"this key manages only the endpoints of {principal.department}"
        raise ProblemError(403, "Forbidden", detail)
    return principal.department


def _check_department(department: str, journey: JourneyMapHolder) -> None:
    """An endpoint's department must be one the journey map names: events are routed to
    departments by the map alone, so an endpoint for another would never receive anything.

    :raises ProblemError: 422 for a department the map this process applies does not name;
        503 before this process applies a map, when no department can be told known.
    """
    if journey.current is None:
        detail = (
            "no journey map is applied here yet, so the department cannot be checked: try "
            "again once GET /v1/journey-map/applied shows a version"
        )
        raise ProblemError(503, "Try again", detail, headers={"Retry-After": "1"})
    known = [d.id for d in journey.current.departments]
    if department in known:
        return
    named = ", ".join(known)
    message = (
        f"unknown department {department!r}: the journey map (version {journey.version}) "
        f"names {named or 'none'}"
    )
    params: dict[str, Param] = {"id": department, "known": named, "version": journey.version}
    errors = [field_error(("department",), message, "unknown_department", params)]
    raise ProblemError(
        422, "Request is invalid", "the journey map names no such department", errors
    )


async def _check_target(url: str, settings: AlertsSettings) -> None:
    parts = urlsplit(url)
    if parts.password == HIDDEN or (parts.username == HIDDEN and not parts.password):
        # the form the API shows a secret in: stored, it would be sent as the secret
        hidden = "password" if parts.password else "user (a token)"
        message = f"its {hidden} is {HIDDEN}, as the API shows one: send the secret itself"
        errors = [field_error(("url",), message, "hidden_password")]
        raise ProblemError(422, "Request is invalid", "the URL hides its password", errors)
    try:
        await check_url(url, allow_private=settings.webhook_allow_private_networks)
    except UnsafeUrl as exc:
        errors = [field_error(("url",), str(exc), "url_not_allowed")]
        raise ProblemError(422, "Request is invalid", "the URL is not allowed", errors) from exc


def _with_secret(endpoint: WebhookEndpoint) -> EndpointWithSecret:
    read = EndpointRead.model_validate(endpoint)
    return EndpointWithSecret(**read.model_dump(), secret=endpoint.secret)
