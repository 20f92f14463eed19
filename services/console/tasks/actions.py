"""The referent's actions on a task, each one API call: a form's fields become the call's
body, and the API's refusals come back as messages beside the fields they name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.console import refusals
from services.console.api import Api, ApiError, segment
from services.console.sessions import Session

CHANNELS = ("phone", "email", "sms", "web", "mobile_app", "chat", "store", "mail", "social")
# the API's field path → the form's field
FIELDS = {
    "status": "action",
    "root_cause": "root_cause",
    "resolution": "resolution",
    "customer_recontacted": "recontacted_at",
    "customer_recontacted.at": "recontacted_at",
    "customer_recontacted.channel": "recontact_channel",
    "body": "comment",
}


@dataclass
class Refused(Exception):
    """The action was not done: a message per form field (``action`` for the whole form),
    each either an API's own detail or a code the template translates; ``said``, per field
    the API refused, its error ready to word (:func:`refusals.shown`)."""

    form: str
    errors: dict[str, str]
    said: dict[str, dict[str, Any]] = field(default_factory=dict)


async def act(api: Api, person: Session, task_id: str, form: str, fields: dict[str, str]) -> str:
    """Do the action ``form`` (acknowledge, start, comment, root_cause, resolve, close,
    reopen); return the code of its confirmation.

    :raises Refused: with what to fix; :raises ApiError: ``down``, ``not_found``.
    """
    if form == "comment":
        body: dict[str, Any] = {"body": fields.get("comment", "").strip()}
        return await _send(
            api, person, form, "POST", f"/v1/tasks/{segment(task_id)}/comments", body
        )
    update = _update(form, fields)
    return await _send(api, person, form, "PATCH", f"/v1/tasks/{segment(task_id)}", update)


def _update(form: str, fields: dict[str, str]) -> dict[str, Any]:
    if form == "acknowledge":
        return {"status": "acknowledged"}
    if form == "start":
        return {"status": "in_progress"}
    if form == "close":
        return {"status": "closed"}
    if form == "reopen":
        return {"status": "open"}
    if form == "root_cause":
        return {"root_cause": fields.get("root_cause") or None}
    if form == "resolve":
        return _resolution(fields)
    raise Refused(form, {"action": "unknown_action"})


def _resolution(fields: dict[str, str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    if not fields.get("resolution", "").strip():
        errors["resolution"] = "required"
    update: dict[str, Any] = {"status": "resolved", "resolution": fields.get("resolution", "")}
    if fields.get("root_cause"):
        update["root_cause"] = fields["root_cause"]
    when, channel = fields.get("recontacted_at", ""), fields.get("recontact_channel", "")
    if when or channel:
        try:
            at = datetime.fromisoformat(when).replace(tzinfo=ZoneInfo(fields["zone"]))
            update["customer_recontacted"] = {"at": at.isoformat(), "channel": channel}
        except ValueError:
            errors["recontacted_at"] = "datetime"
        if channel not in CHANNELS:
            errors["recontact_channel"] = "required"
    if errors:
        raise Refused("resolve", errors)
    return update


async def _send(
    api: Api, person: Session, form: str, method: str, path: str, body: dict[str, Any]
) -> str:
    try:
        await api.call("actions", method, path, person.key, json=body)
    except ApiError as exc:
        if exc.kind not in ("refused", "forbidden"):
            raise
        raise Refused(form, _messages(exc), _said(exc)) from None
    return f"done_{form}"


def _messages(exc: ApiError) -> dict[str, str]:
    """Per form field, the first error the API gave it: its code where the page words it,
    else the API's message."""
    errors = {name: said["code"] or said["message"] for name, said in _said(exc).items()}
    return errors or {"action": exc.detail or "refused"}


def _said(exc: ApiError) -> dict[str, dict[str, Any]]:
    said: dict[str, dict[str, Any]] = {}
    for error in exc.errors:
        said.setdefault(FIELDS.get(error.get("field", ""), "action"), refusals.shown(error))
    return said
