"""The tasks' gauges on /metrics follow the database: active tasks by department and status,
and those past their due time."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from services.actions.app import create_app
from services.actions.tasks.models import Task
from services.actions.tasks.repository import TaskRepository
from shared.events.actions import ACTIVE_STATUSES
from tests.actions.tasks.conftest import FakeClock, Tasks, create_alert, hours, task_settings
from tests.conftest import client_for, unique
from tests.scoring.conftest import until


def gauge(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    match = re.search(rf"^{name}\{{{re.escape(wanted)}\}} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


async def test_open_and_overdue_tasks_are_sampled_from_the_database(
    tasks: Tasks, clock: FakeClock
) -> None:
    settings = task_settings(tasks.infra, tasks.keys, metrics_sample_seconds=0.2)
    async with client_for(create_app(settings, clock=clock), tasks.keys.reader) as client:
        customer = unique("cust")
        await tasks.feed([create_alert(customer, tasks.tp.delivery)])
        await tasks.only_task(customer)
        # Far ahead, once per level: each jump makes every active task overdue and the
        # sweeps raise those below the last level, due again later. After the last jump the
        # tasks at the last level stay overdue and nothing changes while the clock stands.
        for _ in range(settings.task_max_escalations + 1):
            clock.set(clock() + hours(24 * 30))
            await until(lambda: _escalatable(tasks, settings.task_max_escalations, clock))

        async def agree() -> bool:
            text = (await client.get("/metrics")).text
            async with tasks.sessions() as session:
                repo = TaskRepository(session)
                active = dict(((d, s), n) for d, s, n in await repo.active_counts())
                overdue = dict(await repo.overdue_counts(clock()))
            stored_open = float(active.get(("logistics", "open"), 0))
            stored_overdue = float(overdue.get("logistics", 0))
            sampled_open = gauge(text, "cxloop_tasks_open", department="logistics", status="open")
            sampled_overdue = gauge(text, "cxloop_tasks_overdue", department="logistics")
            return sampled_open == stored_open >= 1 and sampled_overdue == stored_overdue >= 1

        await until(agree)


async def _escalatable(tasks: Tasks, max_escalations: int, clock: FakeClock) -> bool:
    """Whether no active task is left due by now below the last level (the sweeps are done)."""
    query = select(func.count()).where(
        Task.status.in_([status.value for status in ACTIVE_STATUSES]),
        Task.due_at <= clock(),
        Task.escalation_level < max_escalations,
    )
    async with tasks.sessions() as session:
        return await session.scalar(query) == 0


async def test_metrics_carry_no_task_or_customer_ids(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.delivery)])
    task = await tasks.only_task(customer)
    await tasks.client.get(f"/v1/tasks/{task['id']}")

    text = (await tasks.client.get("/metrics")).text

    assert customer not in text
    assert task["id"] not in text
    assert 'route="/v1/tasks/{task_id}"' in text
