from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

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
from shared.auth import Principal, require
from shared.http import ReadSession, WriteSession
from shared.problems import PROBLEM_JSON, PROBLEM_RESPONSES, Problem, ProblemError

router = APIRouter(prefix="/v1", tags=["committee backlog"], responses=PROBLEM_RESPONSES)


def require_any(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits a request whose API key holds one of ``scopes``."""
    checks = [require(scope) for scope in scopes]

    async def dependency(request: Request) -> Principal:
        for check in checks:
            try:
                return await check(request)
            except ProblemError as exc:
                if exc.status != 403:
                    raise
        raise ProblemError(403, "Forbidden", f"this key lacks the scope {' or '.join(scopes)}")

    return dependency


Reader = Annotated[Principal, Depends(require_any("ops:read", "backlog:read"))]
Writer = Annotated[Principal, Depends(require_any("ops:write", "backlog:write"))]
ItemId = Annotated[str, Path(min_length=1, max_length=32)]


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}


@router.get("/backlog", responses={400: _problem("A cursor not returned by this endpoint")})
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


@router.get("/backlog/{item_id}", responses={404: _problem("No such item")})
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


@router.patch("/backlog/{item_id}", responses={404: _problem("No such item")})
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
