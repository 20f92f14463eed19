"""Who may do what with tasks: ``tasks:*`` or ``ops:*`` scopes, and a key bound to a
department sees and changes that department's tasks only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from services.actions.tasks.models import Task
from shared.auth import Principal, require
from shared.problems import ProblemError


def require_any(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that admits a key holding any of ``scopes``."""
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


Reader = Annotated[Principal, Depends(require_any("tasks:read", "ops:read"))]
Writer = Annotated[Principal, Depends(require_any("tasks:write", "ops:write"))]


def visible(task: Task | None, principal: Principal, task_id: str) -> Task:
    """:raises ProblemError: 404 for no task, or another department's (existence not told)."""
    if task is None or (principal.department and task.department != principal.department):
        raise ProblemError(404, "Not found", f"no task {task_id!r}")
    return task


def within_department(department: str | None, principal: Principal) -> str | None:
    """The department a query is limited to.

    :raises ProblemError: 403 when a department-bound key asks for another department.
    """
    if principal.department is None:
        return department
    if department not in (None, principal.department):
        raise ProblemError(403, "Forbidden", f"this key sees {principal.department} only")
    return principal.department
