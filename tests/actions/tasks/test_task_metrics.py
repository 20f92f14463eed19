"""The tasks' gauges on /metrics follow the database: active tasks by department and status,
and those past their due time."""

from __future__ import annotations

import re

from services.actions.app import create_app
from services.actions.tasks.repository import TaskRepository
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
        await tasks.feed([create_alert(unique("cust"), tasks.tp.delivery)])

        async def counts() -> tuple[float, float, float, float]:
            # Far ahead each time: escalations set new due times until their maximum.
            clock.set(clock() + hours(24 * 30))
            async with tasks.sessions() as session:
                repo = TaskRepository(session)
                active = dict(((d, s), n) for d, s, n in await repo.active_counts())
                overdue = dict(await repo.overdue_counts(clock()))
            text = (await client.get("/metrics")).text
            return (
                gauge(text, "cxloop_tasks_open", department="logistics", status="open"),
                float(active.get(("logistics", "open"), 0)),
                gauge(text, "cxloop_tasks_overdue", department="logistics"),
                float(overdue.get("logistics", 0)),
            )

        async def agree() -> bool:
            sampled_open, stored_open, sampled_overdue, stored_overdue = await counts()
            return sampled_open == stored_open >= 1 and sampled_overdue == stored_overdue >= 1

        await until(agree)


async def test_metrics_carry_no_task_or_customer_ids(tasks: Tasks, clock: FakeClock) -> None:
    customer = unique("cust")
    await tasks.feed([create_alert(customer, tasks.tp.delivery)])
    task = await tasks.only_task(customer)
    await tasks.client.get(f"/v1/tasks/{task['id']}")

    text = (await tasks.client.get("/metrics")).text

    assert customer not in text
    assert task["id"] not in text
    assert 'route="/v1/tasks/{task_id}"' in text
