"""The queries of survey invitations.

:class:`InvitationStore` records them in a decision's transaction, through the same
``fetch`` as the decisions (an API connection or a consumer's session), and looks a token
up for the hosted page; :class:`InvitationRepository` marks them answered on a SQLAlchemy
session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.decisions import Fetch
from services.actions.surveys.models import survey_invitation

TABLE = f"{survey_invitation.schema}.{survey_invitation.name}"
COLUMNS = (
    "invitation_id",
    "token_sha256",
    "decision_id",
    "customer_id",
    "touchpoint",
    "interaction_event_id",
    "channel",
    "locale",
    "persona",
    "reason",
    "created_at",
    "expires_at",
)
_TYPES = (
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "varchar[]",
    "timestamptz[]",
    "timestamptz[]",
)
_ARGS = ", ".join(f"${i}::{kind}" for i, kind in enumerate(_TYPES, start=1))
# Each decision has one invitation: the one recorded first stays (an event delivered again).
INSERT = f"""
INSERT INTO {TABLE} ({", ".join(COLUMNS)})
SELECT * FROM unnest({_ARGS})
ON CONFLICT (decision_id) DO NOTHING
"""  # noqa: S608 (names from the model)
BY_DECISION = f"""
SELECT decision_id, invitation_id, expires_at FROM {TABLE}
WHERE decision_id = ANY($1::varchar[])
"""  # noqa: S608
# What the hosted page's lookup reads of an invitation (its status is derived from the last
# three).
LOOKED_UP = (
    "invitation_id",
    "customer_id",
    "touchpoint",
    "interaction_event_id",
    "channel",
    "locale",
    "created_at",
    "expires_at",
    "opened_at",
    "answered_at",
)
_LOOKED_UP = ", ".join(LOOKED_UP)
BY_TOKEN = f"SELECT {_LOOKED_UP} FROM {TABLE} WHERE token_sha256 = $1"  # noqa: S608
# Marks a sent invitation opened and reads it in one statement, so it needs no transaction:
# the updated row when this statement opened it, else the row as it is.
OPEN_BY_TOKEN = f"""
WITH opened AS (
    UPDATE {TABLE} SET opened_at = $2
    WHERE token_sha256 = $1 AND opened_at IS NULL AND answered_at IS NULL AND expires_at > $2
    RETURNING {_LOOKED_UP}
)
SELECT * FROM opened
UNION ALL
SELECT {_LOOKED_UP} FROM {TABLE}
WHERE token_sha256 = $1 AND NOT EXISTS (SELECT FROM opened)
"""  # noqa: S608


class InvitationStore:
    def __init__(self, fetch: Fetch) -> None:
        """``fetch(sql, *args)``: the rows of a statement, in the caller's transaction (the
        decisions'), or in none for a single statement."""
        self._fetch = fetch

    async def record(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, datetime]]:
        """Insert the invitations not recorded yet for their decisions; every decision's
        invitation as ``{decision_id: (invitation_id, expires_at)}``."""
        columns = [[row[name] for row in rows] for name in COLUMNS]
        await self._fetch(INSERT, *columns)
        found = await self._fetch(BY_DECISION, [row["decision_id"] for row in rows])
        return {decision_id: (invitation, expires) for decision_id, invitation, expires in found}

    async def by_token(self, token_sha256: str, open_at: datetime | None) -> dict[str, Any] | None:
        """The :data:`LOOKED_UP` columns of the invitation of a token's digest, or None.
        With ``open_at``, a ``sent`` one (not opened, answered or expired then) is marked
        opened at that time, by the same statement."""
        if open_at is None:
            rows = await self._fetch(BY_TOKEN, token_sha256)
        else:
            rows = await self._fetch(OPEN_BY_TOKEN, token_sha256, open_at)
        return dict(zip(LOOKED_UP, rows[0], strict=True)) if rows else None


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark_answered(self, answered: Mapping[str, tuple[datetime, bool | None]]) -> int:
        """Set ``answered_at`` and ``callback_consent`` of each invitation id once; how many
        were set now."""
        count = 0
        for invitation_id, (at, callback) in sorted(answered.items()):
            result = await self.session.execute(
                update(survey_invitation)
                .where(
                    survey_invitation.c.invitation_id == invitation_id,
                    survey_invitation.c.answered_at.is_(None),
                )
                .values(answered_at=at, callback_consent=callback)
            )
            count += int(result.rowcount)  # type: ignore[attr-defined]
        return count
