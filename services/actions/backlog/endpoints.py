from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from services.actions.backlog import service
from services.actions.backlog.schemas import (
    AS_OF,
    BacklogFilter,
    BacklogItemRead,
    BacklogItemUpdate,
    BacklogPage,
    CandidateItemCreate,
    QuickWinFilter,
    QuickWins,
    RootCauseFilter,
    RootCauseReport,
)
from shared.auth import Principal, require_any
from shared.cursor import Cursors
from shared.events.values import UtcDatetime
from shared.http import ReadSession, WriteSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["committee backlog"], responses=PROBLEM_RESPONSES)


Reader = Annotated[Principal, Depends(require_any("ops:read", "backlog:read"))]
Writer = Annotated[Principal, Depends(require_any("ops:write", "backlog:write"))]
ItemId = Annotated[str, Path(min_length=1, max_length=32)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No such item (or one of another department)")
}


@router.get("/backlog", responses={400: problem_doc("A cursor not returned by this endpoint")})
async def list_backlog(
    principal: Reader,
    session: ReadSession,
    cursors: Cursors,
    request: Request,
    filters: Annotated[BacklogFilter, Query()],
) -> BacklogPage:
    """Items by impact / effort, highest first; items without effort after the others, by
    impact. Follow `next_cursor` (it keeps `as_of`, so the pages agree).

    A key bound to a department sees only that department's items (403 for another's)."""
    state = request.app.state
    return await service.list_items(
        session, state.settings, state.journey.current, filters, principal, cursors
    )


@router.get("/backlog/quick-wins")
async def list_quick_wins(
    principal: Reader,
    session: ReadSession,
    request: Request,
    filters: Annotated[QuickWinFilter, Query()],
) -> QuickWins:
    """Open items with effort ≤ `BACKLOG_QUICK_WIN_MAX_EFFORT` (2) whose impact is in the
    top `BACKLOG_QUICK_WIN_TOP_SHARE` (a third) of the open items matching the filters."""
    state = request.app.state
    return await service.quick_wins(
        session, state.settings, state.journey.current, filters, principal
    )


@router.post(
    "/backlog/items",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The item existed: returned as it is", "model": BacklogItemRead},
        **NOT_FOUND,
    },
)
async def take_up_candidate(
    principal: Writer,
    session: WriteSession,
    request: Request,
    response: Response,
    body: CandidateItemCreate,
) -> BacklogItemRead:
    """Turn an emerging irritant (a candidate term at a touchpoint) into a proposed item,
    owned by the touchpoint's department unless `department` says otherwise.

    Idempotent: 201 when this call created the item, 200 with the item as it is when it
    existed (whatever its status). A key bound to a department makes items for it only."""
    state = request.app.state
    item, created = await service.take_up_candidate(
        session, state.settings, state.journey.current, body, principal
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return item


@router.get("/backlog/{item_id}", responses=NOT_FOUND)
async def get_backlog_item(
    principal: Reader,
    session: ReadSession,
    request: Request,
    item_id: ItemId,
    as_of: Annotated[UtcDatetime | None, Query(description=AS_OF)] = None,
) -> BacklogItemRead:
    """One item, with its impact and the parts it is made of."""
    state = request.app.state
    return await service.get_item(
        session, state.settings, state.journey.current, item_id, as_of, principal
    )


@router.patch("/backlog/{item_id}", responses=NOT_FOUND)
async def update_backlog_item(
    principal: Writer,
    session: WriteSession,
    request: Request,
    item_id: ItemId,
    change: BacklogItemUpdate,
) -> BacklogItemRead:
    """Set effort (1–5), status, notes or the owning department; fields left out stay.

    A key bound to a department changes only its department's items and keeps them there."""
    state = request.app.state
    return await service.update_item(
        session, state.settings, state.journey.current, item_id, change, principal
    )


@router.get("/reports/root-causes")
async def root_cause_report(
    principal: Reader,
    session: ReadSession,
    request: Request,
    filters: Annotated[RootCauseFilter, Query()],
) -> RootCauseReport:
    """The Pareto of root causes over tasks opened in [from, to): per root cause its tasks,
    occurrences and value-weighted impact, by impact, with shares of the total.

    A key bound to a department sees only that department's tasks (403 for another's)."""
    return await service.root_causes(session, request.app.state.journey.current, filters, principal)
