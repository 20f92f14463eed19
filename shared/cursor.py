"""Cursors of lists ordered by (time, id): opaque to clients, checked when they come back."""

from __future__ import annotations

import base64
import json
from datetime import datetime

from shared.problems import ProblemError


def encode_cursor(at: datetime, item_id: str) -> str:
    """The cursor after the item at (``at``, ``item_id``)."""
    position = json.dumps({"at": at.isoformat(), "id": item_id})
    return base64.urlsafe_b64encode(position.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """:raises ProblemError: 400 for anything :func:`encode_cursor` did not make."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        at = datetime.fromisoformat(position["at"])
        if at.tzinfo is None:
            raise ValueError("naive time")
        return at, str(position["id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(400, "Invalid cursor", "use next_cursor as returned") from exc
