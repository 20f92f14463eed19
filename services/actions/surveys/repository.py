"""The queries of survey invitations.

:class:`InvitationStore` records them in a decision's transaction, through the same
``fetch`` as the decisions (an API connection or a consumer's session);
:class:`InvitationRepository` reads and marks them on a SQLAlchemy session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
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


class InvitationStore:
    def __init__(self, fetch: Fetch) -> None:
        """``fetch(sql, *args)``: the rows of a statement, in the decisions' transaction."""
        self._fetch = fetch

    async def record(self, rows: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, datetime]]:
        """Insert the invitations not recorded yet for their decisions; every decision's
        invitation as ``{decision_id: (invitation_id, expires_at)}``."""
        columns = [[row[name] for row in rows] for name in COLUMNS]
        await self._fetch(INSERT, *columns)
        found = await self._fetch(BY_DECISION, [row["decision_id"] for row in rows])
        return {decision_id: (invitation, expires) for decision_id, invitation, expires in found}


class InvitationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_token(self, token_sha256: str) -> Row[Any] | None:
        query = select(survey_invitation).where(survey_invitation.c.token_sha256 == token_sha256)
        return (await self.session.execute(query)).first()

    async def mark_opened(self, token_sha256: str, now: datetime) -> None:
        """Set ``opened_at`` once, and only while the invitation is still ``sent``."""
        table = survey_invitation.c
        await self.session.execute(
            update(survey_invitation)
            .where(
                table.token_sha256 == token_sha256,
                table.opened_at.is_(None),
                table.answered_at.is_(None),
                table.expires_at > now,
            )
            .values(opened_at=now)
        )

    async def mark_answered(self, answered: Mapping[str, datetime]) -> int:
        """Set ``answered_at`` of each invitation id once; how many were set now."""
        count = 0
        for invitation_id, at in sorted(answered.items()):
            result = await self.session.execute(
                update(survey_invitation)
                .where(
                    survey_invitation.c.invitation_id == invitation_id,
                    survey_invitation.c.answered_at.is_(None),
                )
                .values(answered_at=at)
            )
            count += int(result.rowcount)  # type: ignore[attr-defined]
        return count
