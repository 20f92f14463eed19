"""The operator's actions, each one API call: replay a failed delivery, enable an endpoint
again, upload the journey map or the alert rules. Refusals come back as messages beside
what they are about: the delivery's row, the endpoint's row, the document's lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.console.api import Api, ApiError, Service, segment
from services.console.operations import documents
from services.console.sessions import Session

# the uploads: what they replace, on which API
DOCUMENTS: dict[str, tuple[Service, str]] = {
    "journey-map": ("actions", "/v1/journey-map"),
    "alert-rules": ("alerts", "/v1/alert-rules"),
}


@dataclass
class Refused(Exception):
    """The action was not done. ``target`` is what it was about (a delivery or endpoint id,
    a document's name); ``problem`` a code the template translates (``refused`` and
    ``unreadable`` come with the API's or the parser's ``detail``); ``errors`` a 422's field
    errors, ``lines`` the same placed in ``text``, the document
    sent."""

    target: str
    problem: str = ""
    detail: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)
    lines: list[documents.Located] = field(default_factory=list)
    text: str = ""
    unreadable: documents.Unreadable | None = None  # why the text was not read, and where
    about: str = ""  # what ``target`` names: delivery, endpoint or document


async def replay(api: Api, person: Session, delivery_id: str) -> str:
    """Queue a failed delivery again (same webhook-id); the code of its confirmation.

    :raises Refused: pending already, endpoint disabled, not allowed, API down.
    """
    path = f"/v1/deliveries/{segment(delivery_id)}/replay"
    await _send(api, person, ("delivery", delivery_id), "alerts", "POST", path)
    return "done_replay"


async def enable(api: Api, person: Session, endpoint_id: str) -> str:
    """Enable an endpoint again (disabled by hand, by a 410 or by persistent failure)."""
    path = f"/v1/webhooks/{segment(endpoint_id)}"
    target = ("endpoint", endpoint_id)
    await _send(api, person, target, "alerts", "PATCH", path, json={"enabled": True})
    return "done_enable"


async def upload(api: Api, person: Session, name: str, text: str) -> str:
    """Replace the document ``name`` (journey-map, alert-rules) by the JSON or YAML in
    ``text``; the code of its confirmation.

    :raises Refused: unreadable, or refused by the API (its field errors placed on the
        lines they name).
    """
    service, path = DOCUMENTS[name]
    try:
        document = documents.read(text)
    except documents.Unreadable as exc:
        raise Refused(
            name, exc.code, exc.detail, text=text, unreadable=exc, about="document"
        ) from None
    try:
        await _send(api, person, ("document", name), service, "PUT", path, json=document)
    except Refused as refused:
        refused.text, refused.lines = text, documents.locate(text, refused.errors)
        raise
    return f"done_{name}"


async def _send(
    api: Api,
    person: Session,
    target: tuple[str, str],
    service: Service,
    method: str,
    path: str,
    **kw: Any,
) -> None:
    """One API call about ``target`` (what it is, its id or name).

    :raises Refused: the API refused it or did not answer."""
    try:
        await api.call(service, method, path, person.key, **kw)
    except ApiError as exc:
        raise _refused(target, exc) from None


def _refused(target: tuple[str, str], exc: ApiError) -> Refused:
    about, name = target
    if exc.kind == "refused" and exc.errors:
        return Refused(name, "invalid", about=about, errors=exc.errors)
    if exc.kind == "refused":
        return Refused(name, "refused", exc.detail or "", about=about)
    return Refused(name, "api_" + exc.kind, about=about)
