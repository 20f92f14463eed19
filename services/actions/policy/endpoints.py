from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from services.actions.policy import views
from services.actions.policy.schemas import (
    MAX_BATCH,
    DecisionBatchCreate,
    DecisionBatchRead,
    DecisionCreate,
    DecisionRead,
    SolicitationPage,
)
from shared.auth import Principal, require_any
from shared.cursor import Cursors
from shared.http import ReadSession
from shared.json_route import JsonRoute
from shared.problems import PROBLEM_RESPONSES, problem_doc
from shared.reach import Ownership

# JsonRoute: a decision that validates skips FastAPI's general request handler.
router = APIRouter(
    prefix="/v1", tags=["contact policy"], responses=PROBLEM_RESPONSES, route_class=JsonRoute
)
# A full batch of long ids is ~150 kB; the services' default body limit is 64 kB.
BODY_LIMITS = {"/v1/contact-policy/decide-batch": MAX_BATCH * 512}


@asynccontextmanager
async def policy_connection(request: Request) -> AsyncIterator[Any]:
    """An asyncpg connection from the service's read pool of plain asyncpg connections
    (``shared.db.pool``, the task list's too), outside any transaction.

    Decisions skip the ORM session (its bookkeeping cost as much CPU as the decision) and
    the engine's pool (a checkout through SQLAlchemy's greenlets cost ~2.5 times asyncpg's).
    Its connections plan each statement for its values (``DB_PLAN_CACHE_MODE``): a batch's
    arrays hold up to 500 customers, and the generic plans of its statements cost
    PostgreSQL ten times the CPU per decision in the bench (0.37 ms against 0.04).
    """
    async with request.app.state.read_pool.acquire() as connection:
        yield connection


@asynccontextmanager
async def decision_transaction(request: Request) -> AsyncIterator[Any]:
    """A :func:`policy_connection` in a transaction, committed on exit (before the
    response is sent), rolled back on error.

    Endpoints enter these themselves rather than through dependencies: FastAPI's machinery
    for a dependency that yields cost as much as a round trip to PostgreSQL.
    """
    async with policy_connection(request) as connection, connection.transaction():
        yield connection


async def read_connection(request: Request) -> AsyncIterator[Any]:
    """:func:`policy_connection` as a dependency, for the endpoints that only read."""
    async with policy_connection(request) as connection:
        yield connection


ReadConnection = Annotated[Any, Depends(read_connection)]
Decider = Annotated[Principal, Depends(require_any("policy:write", "ops:write"))]
Viewer = Annotated[Principal, Depends(require_any("policy:read", "ops:read"))]


NO_MAP: dict[int | str, dict[str, Any]] = {503: problem_doc("No journey map received yet")}


@router.post("/contact-policy/decide", responses=NO_MAP)
async def decide(body: DecisionCreate, principal: Decider, request: Request) -> DecisionRead:
    """Decide, record the decision in the ledger and, when allowed, count it as a
    solicitation. Two concurrent requests for one customer never both get `allowed`.
    With `invite` (and a touchpoint with a hosted survey), an allowed decision records an
    invitation and answers its link."""
    journey = request.app.state.journey.current
    settings = request.app.state.settings
    coalescer = request.app.state.decisions
    return await views.decide(
        coalescer, partial(decision_transaction, request), journey, body, principal.name, settings
    )


@router.post("/contact-policy/decide-batch", responses=NO_MAP)
async def decide_batch(
    body: DecisionBatchCreate, principal: Decider, request: Request
) -> DecisionBatchRead:
    """Up to 500 decisions, taken in order in one transaction (a decision sees the ones
    before it: two for one customer are never both `allowed` within the interval) and
    recorded like `decide`'s; `results[i]` answers `decisions[i]`. A touchpoint not in the
    journey map refuses the whole batch (422 naming `decisions.<i>.touchpoint`)."""
    journey = request.app.state.journey.current
    settings = request.app.state.settings
    async with decision_transaction(request) as connection:
        return await views.decide_batch(connection, journey, body, principal.name, settings)


@router.post("/contact-policy/simulate", responses=NO_MAP)
async def simulate(
    body: DecisionCreate, principal: Viewer, connection: ReadConnection, request: Request
) -> DecisionRead:
    """The answer `decide` would give now, recording and counting nothing. A key bound to a
    department asks about its department's touchpoints only (403 for another's)."""
    journey = request.app.state.journey.current
    Ownership.of(principal.department, journey).require(body.touchpoint)
    return await views.simulate(connection, journey, body)


@router.get(
    "/customers/{customer_id}/solicitations",
    responses={400: problem_doc("A cursor not returned by this endpoint")},
)
async def list_solicitations(
    principal: Viewer,
    request: Request,
    session: ReadSession,
    cursors: Cursors,
    customer_id: Annotated[str, Path(min_length=1, max_length=128)],
    allowed: Annotated[bool | None, Query(description="only allowed, or only suppressed")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SolicitationPage:
    """The customer's ledger: every decision, newest first; follow `next_cursor`. A key
    bound to a department reads the decisions about its department's touchpoints only."""
    kept = Ownership.of(principal.department, request.app.state.journey.current).kept()
    return await views.ledger(session, cursors, customer_id, allowed, cursor, limit, kept)
