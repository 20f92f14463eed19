"""Erasing a customer from actions: tasks keep their operational fields, under a pseudonym.

A task keeps what the closed-loop metrics count (touchpoint, department, status, times,
priority, root cause, whether the customer was recontacted, LXI at opening and recovery)
with ``customer_id`` replaced by ``erased:<erasure id>``; its free text goes (resolution,
comment bodies, comment excerpts in change summaries, the verbatims its events carried) and
its audit trail's events are rewritten the same way. The customer's moments per task (with
their verbatims), latest LXI, and everything the contact policy holds on them (profile,
tasks, the decisions ledger) and their survey invitations (their links then answer as
unknown) are deleted. The
backlog and the quota counters hold no customer id and stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.privacy.task_repository import PrivacyRepository
from shared.events.actions import TaskChange


async def erase_customer(session: AsyncSession, customer_id: str, pseudonym: str) -> dict[str, int]:
    """Erase ``customer_id`` in the batch's transaction; return the rows erased per table."""
    repo = PrivacyRepository(session)
    task_ids = await repo.pseudonymise_tasks(customer_id, pseudonym)
    erased = {"task": len(task_ids)}
    erased["task_comment"] = await repo.blank_comments(task_ids)
    changes = await repo.changes_of(task_ids)
    for change in changes:
        await repo.set_change(change.task_id, change.number, *scrubbed(change, pseudonym))
    erased["task_change"] = len(changes)
    erased["task_moment"] = await repo.delete_task_moments(task_ids)
    erased |= await repo.delete_customer_rows(customer_id)
    return erased


def scrubbed(change: Any, pseudonym: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A change's fields and event without the customer's id and the free text."""
    event = {**change.event, "customer_id": pseudonym, "resolution": None, "verbatims": []}
    if change.change == TaskChange.COMMENTED.value:
        event["summary"] = f"comment by {change.actor}"[:1000]
    fields = dict(change.fields)
    if "resolution" in fields:
        fields["resolution"] = {"from": None, "to": None}
    return fields, event
