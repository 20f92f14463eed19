"""Cursors of lists: opaque strings to clients, signed by the server, verified when they
come back.

A cursor is ``<payload>.<tag>``, both unpadded base64url: the payload is the position (and,
for a list that carries them, its running figures) as compact JSON, readable by anyone; the
tag is the HMAC-SHA256, under ``CURSOR_KEY``, of the list the cursor belongs to and of that
payload. A cursor comes back as a query parameter, untrusted, so the server reads nothing of
it before its tag matches: one cut, edited, signed under another key or given by another
list is a 400. While the key is rotated, ``CURSOR_KEY_PREVIOUS`` holds the one before: the
cursors it signed are still read, and every new cursor is signed with ``CURSOR_KEY``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import TypeAdapter

from shared.config import ServiceSettings
from shared.events.values import UtcDatetime
from shared.problems import ProblemError, parameter_error

_INSTANT: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)
# Changed with what a tag covers, so that no cursor of an earlier form verifies.
_DOMAIN = b"cxloop cursor 1\n"

# A list, as its cursors name it: its endpoint, then what it belongs to or is ordered by
# (("tasks", "due"), ("timeline", customer_id)). A cursor is good for its own list only.
Listing = tuple[str, ...]


class CursorKeyMissing(RuntimeError):
    """A service that gives cursors was started without ``CURSOR_KEY``."""


class CursorSigner:
    """Makes the cursors of a process's lists and opens those that come back, under one key:
    every process serving the same lists must hold the same one."""

    def __init__(self, key: str, previous: str | None = None) -> None:
        # the keys a cursor may have been signed with: the current one, which signs, first
        self._keys = (key.encode(),) if previous is None else (key.encode(), previous.encode())

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> CursorSigner:
        """:raises CursorKeyMissing: ``CURSOR_KEY`` is not set."""
        if settings.cursor_key is None:
            raise CursorKeyMissing(
                f"{settings.service_name} gives signed cursors and CURSOR_KEY is not set: give "
                "every process of the deployment the same random value of 32 characters or "
                "more (openssl rand -base64 32); see docs/operations.md"
            )
        previous = settings.cursor_key_previous
        return cls(
            settings.cursor_key.get_secret_value(),
            previous.get_secret_value() if previous is not None else None,
        )

    def sign(self, listing: Listing, content: Mapping[str, Any]) -> str:
        """The cursor of ``listing`` carrying ``content`` (JSON values; no NaN)."""
        text = json.dumps(content, separators=(",", ":"), allow_nan=False)
        payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        return f"{payload}.{self._tag(self._keys[0], listing, payload)}"

    def read(self, listing: Listing, cursor: str) -> dict[str, Any]:
        """What :meth:`sign` put in ``cursor`` for ``listing``.

        :raises ProblemError: 400 naming the query parameter ``cursor`` for a cursor this
            key did not sign for this list, whatever it holds.
        """
        payload, dot, tag = cursor.rpartition(".")
        # compare_digest takes ASCII text only; a tag is ASCII, so other text is no tag
        if not (dot and cursor.isascii()):
            raise invalid_cursor()
        if not any(hmac.compare_digest(tag, self._tag(k, listing, payload)) for k in self._keys):
            raise invalid_cursor()
        try:
            content = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except ValueError as exc:  # not base64, UTF-8 or JSON: a bug, or a leaked key
            raise invalid_cursor() from exc
        if not isinstance(content, dict):
            raise invalid_cursor()
        return content

    def after(self, listing: Listing, at: datetime, item_id: str) -> str:
        """The cursor after the item at (``at``, ``item_id``) of a list ordered by them."""
        return self.sign(listing, {"at": at.isoformat(), "id": item_id})

    def position(self, listing: Listing, cursor: str) -> tuple[datetime, str]:
        """The (time, id) that :meth:`after` put in ``cursor``.

        :raises ProblemError: 400, as :meth:`read`.
        """
        content = self.read(listing, cursor)
        try:
            return cursor_time(content["at"]), str(content["id"])
        except (KeyError, ValueError) as exc:
            raise invalid_cursor() from exc

    @staticmethod
    def _tag(key: bytes, listing: Listing, payload: str) -> str:
        # the listing as a JSON array ends where the payload begins, whatever its strings hold
        signed = _DOMAIN + json.dumps(listing).encode() + b"\n" + payload.encode()
        digest = hmac.new(key, signed, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def invalid_cursor() -> ProblemError:
    """The answer to a cursor the list did not give (or a position it cannot read)."""
    errors = [parameter_error("cursor", "not a cursor this list gave")]
    return ProblemError(400, "Invalid cursor", "use next_cursor as returned", errors)


async def app_cursors(request: Request) -> CursorSigner:
    """The app's signer (``create_service_app(..., signs_cursors=True)``)."""
    signer: CursorSigner = request.app.state.cursors
    return signer


Cursors = Annotated[CursorSigner, Depends(app_cursors)]


def cursor_time(value: Any) -> datetime:
    """A time read back from a cursor, in UTC.

    :raises ValueError: not a string, no offset, or outside cxloop's range of dates.
    """
    if not isinstance(value, str):
        raise ValueError("a time is written as a string")
    return _INSTANT.validate_python(value)  # its ValidationError is a ValueError
