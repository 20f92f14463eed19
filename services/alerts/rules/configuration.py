"""The rules' configuration as ops change it: versioned documents over the settings.

These functions only flush; the request's unit of work commits. The consumer reads the
current version at each batch (``RulesRepository.lock_and_read_rules``), so a new one
applies from the next batch on, in every replica.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.config import RulesSettings
from services.alerts.rules.repository import RulesRepository
from services.alerts.rules.rulebook import RuleBook, RulesDocument
from services.alerts.rules.schemas import AlertRulesRead, EffectiveRules
from shared.journey import JourneyMap


async def read_rules(
    session: AsyncSession, settings: RulesSettings, journey: JourneyMap | None
) -> AlertRulesRead:
    row = await RulesRepository(session).current_rules()
    return _read(row, settings, journey)


async def save_rules(
    session: AsyncSession,
    settings: RulesSettings,
    journey: JourneyMap | None,
    document: RulesDocument,
    created_by: str,
) -> tuple[AlertRulesRead, bool]:
    """Store ``document`` as the next version unless it is the current one already.

    Returns the version now current and whether it was created.
    """
    repo = RulesRepository(session)
    await repo.lock_rules()
    current = await repo.current_rules()
    stored = document.stored()
    if current is not None and current.document == stored:
        return _read(current, settings, journey), False
    version = current.version + 1 if current else 1
    row = await repo.add_rules(version, stored, created_by)
    return _read(row, settings, journey), True


def _read(row: Any, settings: RulesSettings, journey: JourneyMap | None) -> AlertRulesRead:
    document = dict(row.document) if row else {}
    book = RuleBook.build(settings, document, journey)
    effective = EffectiveRules(
        defaults=book.defaults, touchpoints={tp: book.rules(tp) for tp in book.touchpoints()}
    )
    if row is None:
        return AlertRulesRead(version=0, document=document, effective=effective)
    return AlertRulesRead(
        version=row.version,
        created_at=row.created_at,
        created_by=row.created_by,
        document=document,
        effective=effective,
    )
