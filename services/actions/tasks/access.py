"""Who may do what with tasks: ``tasks:*`` or ``ops:*`` scopes, and a key bound to a
department sees and changes that department's tasks only."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.actions.tasks.models import Task
from shared.auth import Principal, require_any
from shared.problems import ProblemError

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
