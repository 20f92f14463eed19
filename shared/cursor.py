"""Cursors of lists ordered by (time, id): opaque to clients, checked when they come back."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter

from shared.events.values import UtcDatetime
from shared.problems import ProblemError

_INSTANT: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)


def encode_cursor(at: datetime, item_id: str, by: str | None = None) -> str:
    """The cursor after the item at (``at``, ``item_id``); ``by`` names the order, for a list
    that has several (none: its first)."""
    found: dict[str, str] = {"at": at.isoformat(), "id": item_id}
    if by is not None:
        found["by"] = by
    return base64.urlsafe_b64encode(json.dumps(found).encode()).decode()


def decode_cursor(cursor: str, by: str | None = None) -> tuple[datetime, str]:
    """:raises ProblemError: 400 for anything :func:`encode_cursor` did not make for the
    order ``by``."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if position.get("by") != by:
            raise ValueError("a cursor of another order")
        return cursor_time(position["at"]), str(position["id"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ProblemError(400, "Invalid cursor", "use next_cursor as returned") from exc


def cursor_time(value: Any) -> datetime:
    """A time read back from a cursor, in UTC: a forged one may be anything.

    :raises ValueError: not a string, no offset, or outside cxloop's range of dates.
    """
    if not isinstance(value, str):
        raise ValueError("a time is written as a string")
    return _INSTANT.validate_python(value)  # its ValidationError is a ValueError
