"""Alerts as ops read them: filtered pages, and one alert with its moments and changes.

A key bound to a department sees that department's alerts only.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.repository import AlertReads
from services.alerts.rules.schemas import (
    AlertChangeRead,
    AlertDetail,
    AlertFilter,
    AlertMomentRead,
    AlertPage,
    AlertRead,
)
from shared.auth import Principal
from shared.cursor import CursorSigner
from shared.events.schemas import Verbatim
from shared.problems import ProblemError

DETAIL_LIMIT = 200  # moments and changes listed with one alert


LISTING = ("alerts",)


async def list_alerts(
    session: AsyncSession, cursors: CursorSigner, principal: Principal, filters: AlertFilter
) -> AlertPage:
    """:raises ProblemError: 403 when a department-bound key asks for another department,
    400 for a cursor not returned by this endpoint."""
    filters = _within_department(filters, principal)
    after = cursors.position(LISTING, filters.cursor) if filters.cursor else None
    rows = await AlertReads(session).page(filters, after, filters.limit + 1)
    items = [AlertRead.model_validate(row) for row in rows[: filters.limit]]
    last = items[-1] if len(rows) > filters.limit else None
    return AlertPage(
        items=items, next_cursor=cursors.after(LISTING, last.last_at, last.id) if last else None
    )


async def get_alert(session: AsyncSession, principal: Principal, alert_id: str) -> AlertDetail:
    """:raises ProblemError: 404 for an unknown alert, or one of another department."""
    reads = AlertReads(session)
    row = await reads.get(alert_id)
    if row is None or (principal.department and row.department != principal.department):
        raise ProblemError(404, "Not found", f"no alert {alert_id!r}")
    moments = await reads.moments(alert_id, DETAIL_LIMIT)
    changes = await reads.changes(alert_id, DETAIL_LIMIT)
    return AlertDetail(
        **AlertRead.model_validate(row).model_dump(),
        moments=[AlertMomentRead.model_validate(m) for m in moments],
        verbatims=_verbatims(row.level, moments),
        changes=[_change_read(c) for c in changes],
    )


def _verbatims(level: str, moments: list[Any]) -> list[Verbatim]:
    if level != "customer":
        return []
    found = (m.details.get("verbatim") for m in moments)
    return [Verbatim.model_validate(v) for v in found if v]


def _change_read(row: Any) -> AlertChangeRead:
    event = row.event
    return AlertChangeRead(
        number=row.number,
        change=row.change,
        changed_at=row.changed_at,
        moment_id=row.moment_id,
        severity=event["severity"],
        priority=event["priority"],
        occurrences=event["occurrences"],
        summary=event["summary"],
        summary_reasons=event.get("summary_reasons"),
    )


def _within_department(filters: AlertFilter, principal: Principal) -> AlertFilter:
    if principal.department is None:
        return filters
    if filters.department not in (None, principal.department):
        detail = f"this key sees the alerts of {principal.department} only"
        raise ProblemError(403, "Forbidden", detail)
    return filters.model_copy(update={"department": principal.department})
