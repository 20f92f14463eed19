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


def encode_cursor(at: datetime, item_id: str) -> str:
    """The cursor after the item at (``at``, ``item_id``)."""
    position = json.dumps({"at": at.isoformat(), "id": item_id})
    return base64.urlsafe_b64encode(position.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """:raises ProblemError: 400 for anything :func:`encode_cursor` did not make."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return cursor_time(position["at"]), str(position["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "Invalid cursor", "use next_cursor as returned") from exc


def cursor_time(value: Any) -> datetime:
    """A time read back from a cursor, in UTC: a forged one may be anything.

    :raises ValueError: not a string, no offset, or outside cxloop's range of dates.
    """
    if not isinstance(value, str):
        raise ValueError("a time is written as a string")
    return _INSTANT.validate_python(value)  # its ValidationError is a ValueError
