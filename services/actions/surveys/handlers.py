"""What the invitations learn from ``cx.survey-responses``: the hosted page's answers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.surveys import service
from shared.events.schemas import Event, SurveyAnswered
from shared.kafka.runner import Consumed


async def apply_answers(session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
    """Mark each answered invitation (an answer with ``invitation_id``) answered, with the
    customer's answer to the callback question, once: a second answer to it changes nothing
    here."""
    answered: dict[str, tuple[datetime, bool | None]] = {}
    for consumed in batch:
        event = consumed.event
        if isinstance(event, SurveyAnswered) and event.invitation_id is not None:
            answered.setdefault(event.invitation_id, (event.answered_at, event.callback_consent))
    if answered:
        await service.mark_answered(session, answered)
    return []
