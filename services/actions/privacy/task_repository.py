"""Every query that erases a customer from the tasks and the contact policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.policy.models import policy_customer, policy_decision, policy_task
from services.actions.surveys.models import survey_invitation
from services.actions.tasks.models import (
    Task,
    TaskChange,
    TaskComment,
    TaskMoment,
    customer_latest_lxi,
)

# Rows of the customer deleted whole: the latest LXI, the contact policy's records and the
# survey invitations (their links then answer as unknown).
DELETED: tuple[Table, ...] = (
    customer_latest_lxi,
    policy_customer,
    policy_task,
    policy_decision,
    survey_invitation,
)


def _count(result: Any) -> int:
    return int(result.rowcount)


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pseudonymise_tasks(self, customer_id: str, pseudonym: str) -> list[str]:
        """Give the customer's tasks the pseudonym and drop their resolution text."""
        stmt = (
            update(Task)
            .where(Task.customer_id == customer_id)
            .values(customer_id=pseudonym, resolution=None)
            .returning(Task.id)
        )
        return list((await self.session.execute(stmt)).scalars())

    async def blank_comments(self, task_ids: Sequence[str]) -> int:
        stmt = update(TaskComment).where(TaskComment.task_id.in_(task_ids)).values(body="")
        return _count(await self.session.execute(stmt))

    async def changes_of(self, task_ids: Sequence[str]) -> Sequence[Row[Any]]:
        query = (
            select(
                TaskChange.task_id,
                TaskChange.number,
                TaskChange.change,
                TaskChange.actor,
                TaskChange.fields,
                TaskChange.event,
            )
            .where(TaskChange.task_id.in_(task_ids))
            .order_by(TaskChange.task_id, TaskChange.number)
        )
        return (await self.session.execute(query)).all()

    async def set_change(
        self, task_id: str, number: int, fields: dict[str, Any], event: dict[str, Any]
    ) -> None:
        stmt = (
            update(TaskChange)
            .where(TaskChange.task_id == task_id, TaskChange.number == number)
            .values(fields=fields, event=event)
        )
        await self.session.execute(stmt)

    async def delete_task_moments(self, task_ids: Sequence[str]) -> int:
        stmt = delete(TaskMoment).where(TaskMoment.task_id.in_(task_ids))
        return _count(await self.session.execute(stmt))

    async def delete_customer_rows(self, customer_id: str) -> dict[str, int]:
        erased = {}
        for table in DELETED:
            stmt = delete(table).where(table.c.customer_id == customer_id)
            erased[table.name] = _count(await self.session.execute(stmt))
        return erased
