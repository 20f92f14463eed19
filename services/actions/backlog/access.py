"""What a key bound to a department may do with the backlog: the same isolation as tasks.

Such a key (a referent's) lists its department's items only, gets 404 for another
department's item (whether it exists is not told) and 403 when it asks for another
department's list or report; it changes its department's items only, and cannot hand one
to another department. Keys bound to no department see and change everything.
"""

from __future__ import annotations

from typing import Any

from shared.auth import Principal
from shared.problems import ProblemError


def visible(row: Any, principal: Principal, item_id: str) -> Any:
    """The item's row, if the key may see it.

    :raises ProblemError: 404 for no item, or another department's.
    """
    if row is None or (principal.department and row.department != principal.department):
        raise ProblemError(404, "Not found", f"no backlog item {item_id!r}")
    return row


def within_department(department: str | None, principal: Principal) -> str | None:
    """The department a list or report is limited to.

    :raises ProblemError: 403 when a department-bound key asks for another department.
    """
    if principal.department is None:
        return department
    if department not in (None, principal.department):
        raise ProblemError(
            403, "Forbidden", f"this key sees the backlog of {principal.department} only"
        )
    return principal.department


def may_assign(fields: set[str], department: str | None, principal: Principal) -> None:
    """:raises ProblemError: 403 when a department-bound key hands an item to another
    department (or to none)."""
    if principal.department and "department" in fields and department != principal.department:
        raise ProblemError(
            403, "Forbidden", f"this key keeps the items of {principal.department} there"
        )
