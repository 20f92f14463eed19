from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import AwareDatetime

from services.actions.backlog import service
from services.actions.backlog.schemas import (
    AS_OF,
    BacklogFilter,
    BacklogItemRead,
    BacklogItemUpdate,
    BacklogPage,
    QuickWinFilter,
    QuickWins,
    RootCauseFilter,
    RootCauseReport,
)
from shared.auth import Principal, require_any
from shared.http import ReadSession, WriteSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["committee backlog"], responses=PROBLEM_RESPONSES)


Reader = Annotated[Principal, Depends(require_any("ops:read", "backlog:read"))]
Writer = Annotated[Principal, Depends(require_any("ops:write", "backlog:write"))]
ItemId = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/backlog", responses={400: problem_doc("A cursor not returned by this endpoint")})
async def list_backlog(
    _: Reader, session: ReadSession, request: Request, filters: Annotated[BacklogFilter, Query()]
) -> BacklogPage:
    """Items by impact / effort, highest first; items without effort after the others, by
    impact. Follow `next_cursor` (it keeps `as_of`, so the pages agree)."""
    state = request.app.state
    return await service.list_items(session, state.settings, state.journey.current, filters)


@router.get("/backlog/quick-wins")
async def list_quick_wins(
    _: Reader, session: ReadSession, request: Request, filters: Annotated[QuickWinFilter, Query()]
) -> QuickWins:
    """Open items with effort ≤ `BACKLOG_QUICK_WIN_MAX_EFFORT` (2) whose impact is in the
    top `BACKLOG_QUICK_WIN_TOP_SHARE` (a third) of the open items matching the filters."""
    state = request.app.state
    return await service.quick_wins(session, state.settings, state.journey.current, filters)


@router.get("/backlog/{item_id}", responses={404: problem_doc("No such item")})
async def get_backlog_item(
    _: Reader,
    session: ReadSession,
    request: Request,
    item_id: ItemId,
    as_of: Annotated[AwareDatetime | None, Query(description=AS_OF)] = None,
) -> BacklogItemRead:
    """One item, with its impact and the parts it is made of."""
    state = request.app.state
    return await service.get_item(session, state.settings, state.journey.current, item_id, as_of)


@router.patch("/backlog/{item_id}", responses={404: problem_doc("No such item")})
async def update_backlog_item(
    principal: Writer,
    session: WriteSession,
    request: Request,
    item_id: ItemId,
    change: BacklogItemUpdate,
) -> BacklogItemRead:
    """Set effort (1–5), status, notes or the owning department; fields left out stay."""
    state = request.app.state
    return await service.update_item(
        session, state.settings, state.journey.current, item_id, change, principal.name
    )


@router.get("/reports/root-causes")
async def root_cause_report(
    _: Reader,
    session: ReadSession,
    request: Request,
    filters: Annotated[RootCauseFilter, Query()],
) -> RootCauseReport:
    """The Pareto of root causes over tasks opened in [from, to): per root cause its tasks,
    occurrences and value-weighted impact, by impact, with shares of the total."""
    return await service.root_causes(session, request.app.state.journey.current, filters)
