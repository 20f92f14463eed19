"""The contact policy as the API offers it: one decision or a batch, a simulation, the
ledger."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy import service
from services.actions.policy.coalescing import DecisionCoalescer
from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import Decision, DecisionRequest
from services.actions.policy.repository import PolicyRepository
from services.actions.policy.rules import refused_by
from services.actions.policy.schemas import (
    DecisionBatchCreate,
    DecisionBatchItem,
    DecisionBatchRead,
    DecisionCreate,
    DecisionRead,
    SolicitationPage,
    SolicitationRead,
)
from services.actions.surveys.config import SurveySettings
from services.actions.surveys.views import issue_links
from shared.cursor import CursorSigner
from shared.journey import JourneyMap
from shared.problems import ProblemError, field_error, invalid


async def decide(
    coalescer: DecisionCoalescer,
    transaction: Callable[[], AbstractAsyncContextManager[Any]],
    journey: JourneyMap | None,
    body: DecisionCreate,
    decided_by: str,
    settings: SurveySettings,
) -> DecisionRead:
    """Decide and record: with the decisions asked meanwhile (``coalescer``), or, when
    ``invite`` asks for an invitation, in a ``transaction()`` of its own (an asyncpg
    connection) that records it too.

    :raises ProblemError: 503 before the journey map is known, 422 for a touchpoint that
        is not in it.
    """
    known = _map_holding(journey, [body], lambda _: [])
    [request] = _requests([body], decided_by)
    if not body.invite:
        decision = await coalescer.decide(known, request)
        return DecisionRead(**_fields(decision, recorded=True))
    async with transaction() as connection:
        repo = DecisionRepository.on_connection(connection)
        [decision] = await service.decide(repo, known, [request])
        links = await issue_links(repo, known, settings, [decision])
    return DecisionRead(
        **_fields(decision, recorded=True), invitation=links.get(request.decision_id)
    )


async def simulate(
    connection: Any, journey: JourneyMap | None, body: DecisionCreate
) -> DecisionRead:
    """The answer :func:`decide` would give now, on ``connection`` (asyncpg, outside any
    transaction), nothing locked or written.

    :raises ProblemError: as :func:`decide`.
    """
    known = _map_holding(journey, [body], lambda _: [])
    [request] = _requests([body], "simulation")
    repo = DecisionRepository.on_connection(connection)
    [decision] = await service.decide(repo, known, [request], record=False)
    return DecisionRead(**_fields(decision, recorded=False))


async def decide_batch(
    connection: Any,
    journey: JourneyMap | None,
    body: DecisionBatchCreate,
    decided_by: str,
    settings: SurveySettings,
) -> DecisionBatchRead:
    """Decide and record each decision in order, on ``connection`` (asyncpg, in a
    transaction).

    :raises ProblemError: 503 before the journey map is known, 422 naming each decision
        whose touchpoint is not in it (``decisions.<index>.touchpoint``); then nothing is
        decided.
    """
    known = _map_holding(journey, body.decisions, lambda index: ["decisions", index])
    repo = DecisionRepository.on_connection(connection)
    decisions = await service.decide(repo, known, _requests(body.decisions, decided_by))
    invited = [d for d, asked in zip(decisions, body.decisions, strict=True) if asked.invite]
    links = await issue_links(repo, known, settings, invited) if invited else {}
    return DecisionBatchRead(
        results=[
            DecisionBatchItem(
                index=index,
                **_fields(decision, recorded=True),
                invitation=links.get(decision.request.decision_id),
            )
            for index, decision in enumerate(decisions)
        ]
    )


def _map_holding(
    journey: JourneyMap | None,
    bodies: Sequence[DecisionCreate],
    location: Callable[[int], list[str | int]],
) -> JourneyMap:
    """``journey``, known and holding every touchpoint asked; else the ProblemError, each
    unknown touchpoint named at ``location(index)``."""
    if journey is None:
        raise ProblemError(503, "Journey map not loaded", "no journey map received yet")
    errors = [
        field_error(
            [*location(index), "touchpoint"],
            f"unknown touchpoint {body.touchpoint!r}",
            "unknown_touchpoint",
            {"id": body.touchpoint},
        )
        for index, body in enumerate(bodies)
        if journey.touchpoint(body.touchpoint) is None
    ]
    if errors:
        raise invalid(errors)
    return journey


def _requests(bodies: Sequence[DecisionCreate], decided_by: str) -> list[DecisionRequest]:
    now = datetime.now(UTC)
    return [_request(body, now, decided_by) for body in bodies]


def _request(body: DecisionCreate, now: datetime, decided_by: str) -> DecisionRequest:
    return DecisionRequest(
        decision_id=uuid.uuid4().hex,
        customer_id=body.customer_id,
        touchpoint=body.touchpoint,
        channel=body.channel,
        at=body.at or now,
        decided_by=decided_by,
    )


def _fields(decision: Decision, recorded: bool) -> dict[str, Any]:
    request, verdict = decision.request, decision.verdict
    return {
        "decision_id": request.decision_id if recorded else None,
        "allowed": verdict.allowed,
        "reason": verdict.reason,
        "next_allowed_at": verdict.next_allowed_at,
        "refused_by": refused_by(verdict),
        "customer_id": request.customer_id,
        "touchpoint": request.touchpoint,
        "channel": request.channel,
        "at": request.at,
    }


async def ledger(
    session: AsyncSession,
    cursors: CursorSigner,
    customer_id: str,
    allowed: bool | None,
    cursor: str | None,
    limit: int,
    touchpoints: list[str] | None = None,
) -> SolicitationPage:
    """The decisions about ``touchpoints`` (None: every one).

    :raises ProblemError: 400 for a cursor not returned by this customer's ledger."""
    listing = ("solicitations", customer_id)
    after = cursors.position(listing, cursor) if cursor else None
    ledger = PolicyRepository(session).ledger
    rows = await ledger(customer_id, after, allowed, limit + 1, touchpoints)
    items = [
        SolicitationRead.model_validate({**row._mapping, "decision_id": row.id})
        for row in rows[:limit]
    ]
    last = items[-1] if len(rows) > limit else None
    return SolicitationPage(
        items=items, next_cursor=cursors.after(listing, last.at, last.decision_id) if last else None
    )
