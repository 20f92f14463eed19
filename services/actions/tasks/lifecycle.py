"""The task lifecycle: open → acknowledged → in_progress → resolved → closed, and reopen.

| from         | to                        |
|--------------|---------------------------|
| open         | acknowledged              |
| acknowledged | in_progress               |
| in_progress  | resolved                  |
| resolved     | closed, open (reopened)   |
| closed       | open (reopened)           |
"""

from __future__ import annotations

from shared.events.actions import TaskChange, TaskStatus
from shared.problems import Param, ProblemError, field_error

NEXT: dict[TaskStatus, tuple[TaskStatus, ...]] = {
    TaskStatus.OPEN: (TaskStatus.ACKNOWLEDGED,),
    TaskStatus.ACKNOWLEDGED: (TaskStatus.IN_PROGRESS,),
    TaskStatus.IN_PROGRESS: (TaskStatus.RESOLVED,),
    TaskStatus.RESOLVED: (TaskStatus.CLOSED, TaskStatus.OPEN),
    TaskStatus.CLOSED: (TaskStatus.OPEN,),
}
TRANSITION_PROBLEM = "https://cxloop.dev/problems/task-transition"


def change_of(current: TaskStatus, target: TaskStatus) -> TaskChange:
    """The change that moves a task from ``current`` to ``target``.

    :raises ProblemError: 409 naming the current status and the allowed next ones.
    """
    allowed = NEXT[current]
    if target not in allowed:
        names = ", ".join(status.value for status in allowed)
        detail = f"a task {current.value} can go to {names} only, not {target.value}"
        params: dict[str, Param] = {"from": current.value, "to": target.value}
        raise ProblemError(
            409,
            "Transition not allowed",
            detail,
            errors=[field_error(("status",), detail, "transition_not_allowed", params)],
            type=TRANSITION_PROBLEM,
        )
    if target is TaskStatus.OPEN:
        return TaskChange.REOPENED
    return TaskChange(target.value)
