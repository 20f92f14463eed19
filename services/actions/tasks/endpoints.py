from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from services.actions.tasks import service, views
from services.actions.tasks.access import Reader, Writer
from services.actions.tasks.schemas import (
    ClosedLoopReport,
    CommentCreate,
    CommentRead,
    TaskDetail,
    TaskFilter,
    TaskPage,
    TaskRead,
    TaskUpdate,
)
from services.actions.tasks.service import TaskContext
from shared.cursor import Cursors
from shared.events.values import UtcDatetime
from shared.http import ReadPool, ReadSession, WriteSession
from shared.problems import PROBLEM_RESPONSES, problem_doc

router = APIRouter(prefix="/v1", tags=["tasks"], responses=PROBLEM_RESPONSES)
TaskId = Annotated[str, Path(min_length=1, max_length=64)]


async def task_context(request: Request) -> TaskContext:
    # async: FastAPI would run a plain function in a worker thread, for every request
    context: TaskContext = request.app.state.tasks
    return context


Context = Annotated[TaskContext, Depends(task_context)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: problem_doc("No such task (or one of another department)")
}


@router.get("/tasks", responses={400: problem_doc("A cursor not returned by this endpoint")})
async def list_tasks(
    principal: Reader,
    pool: ReadPool,
    ctx: Context,
    cursors: Cursors,
    filters: Annotated[TaskFilter, Query()],
) -> TaskPage:
    """Corrective tasks, newest opened first; follow `next_cursor` for more.

    A key bound to a department sees only that department's tasks.
    """
    return await views.list_tasks(pool, ctx, cursors, principal, filters)


@router.get("/tasks/{task_id}", responses=NOT_FOUND)
async def get_task(
    principal: Reader, session: ReadSession, ctx: Context, task_id: TaskId
) -> TaskDetail:
    """One task with the moments and alerts that caused it, its comments and audit trail."""
    return await views.get_task(session, ctx, principal, task_id)


@router.patch(
    "/tasks/{task_id}",
    responses={**NOT_FOUND, 409: problem_doc("A transition the lifecycle refuses")},
)
async def update_task(
    principal: Writer, session: WriteSession, ctx: Context, task_id: TaskId, body: TaskUpdate
) -> TaskRead:
    """Move the task along its lifecycle and set its referent, root cause, resolution or
    recontact. Each call that changes something is one audit entry and one `TaskChanged`
    on `cx.task-events`."""
    return await service.update_task(session, ctx, principal, task_id, body)


@router.post("/tasks/{task_id}/comments", status_code=201, responses=NOT_FOUND)
async def add_comment(
    principal: Writer, session: WriteSession, ctx: Context, task_id: TaskId, body: CommentCreate
) -> CommentRead:
    """Add a comment (a `task.commented` event)."""
    return await service.add_comment(session, ctx, principal, task_id, body)


@router.get("/reports/closed-loop")
async def closed_loop_report(
    principal: Reader,
    session: ReadSession,
    ctx: Context,
    department: Annotated[str | None, Query(max_length=64)] = None,
    touchpoint: Annotated[str | None, Query(max_length=64)] = None,
    since: Annotated[
        UtcDatetime | None, Query(alias="from", description="opened at or after")
    ] = None,
    until: Annotated[UtcDatetime | None, Query(alias="to", description="opened before")] = None,
) -> ClosedLoopReport:
    """How the inner loop closes for tasks opened in the period: time to acknowledge and
    to resolve, resolution within SLA, recontact, and the customers' LXI recovery."""
    return await views.closed_loop(session, ctx, principal, department, touchpoint, since, until)
