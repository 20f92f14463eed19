from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request

from services.scoring.access import Scope
from services.scoring.dependencies import Pool, Session
from services.scoring.experience.schemas import Experience, Timeline
from services.scoring.experience.views import experience_of, timeline_of
from shared.cursor import Cursors
from shared.db.copy import raw_connection
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["experience"], responses=PROBLEM_RESPONSES)
CustomerId = Annotated[str, Path(min_length=1, max_length=128)]
NO_EXPERIENCE: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No experience recorded for this customer")
}


@router.get("/customers/{customer_id}/experience", responses=NO_EXPERIENCE)
async def get_experience(
    customer_id: CustomerId, reach: Scope, pool: Pool, request: Request
) -> Experience:
    """The customer's LXI, positive/negative counts, last NPS class, latest valence per
    touchpoint, and the signals that weigh most in today's score. A key bound to a
    department reads a customer who has lived one of its touchpoints."""
    if reach.department is not None:
        async with pool.acquire() as connection:
            await reach.customer(connection, customer_id)
    return await experience_of(pool, request.app.state.settings, customer_id)


@router.get(
    "/customers/{customer_id}/timeline",
    responses={**NO_EXPERIENCE, 400: problem_doc("A cursor not returned by this endpoint")},
)
async def get_timeline(
    customer_id: CustomerId,
    reach: Scope,
    session: Session,
    cursors: Cursors,
    request: Request,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Timeline:
    """Signals in time order with the LXI after each; follow ``next_cursor`` for more. A
    key bound to a department reads a customer who has lived one of its touchpoints."""
    if reach.department is not None:
        await reach.customer(await raw_connection(session), customer_id)
    settings = request.app.state.settings
    return await timeline_of(session, settings, cursors, customer_id, cursor, limit)
