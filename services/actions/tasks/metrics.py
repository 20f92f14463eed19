"""Prometheus gauges of corrective tasks (see docs/operations.md, "Metrics")."""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.actions.tasks.repository import TaskRepository
from services.actions.tasks.sla import Clock
from shared.metrics import Sample, SampledGauge

OPEN = Gauge(
    "cxloop_tasks_open",
    "Tasks not resolved nor closed, by owning department and status.",
    ["department", "status"],
)
OVERDUE = Gauge(
    "cxloop_tasks_overdue",
    "Tasks not resolved nor closed and past their due time, by owning department.",
    ["department"],
)


def task_gauges(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> list[SampledGauge]:
    """Both gauges, counted in the database when sampled. Departments come from the journey
    map, so the label set stays small; a task without one counts under ``none``."""

    async def open_tasks() -> Sample:
        async with sessions() as session:
            rows = await TaskRepository(session).active_counts()
        return {(department or "none", status): count for department, status, count in rows}

    async def overdue_tasks() -> Sample:
        async with sessions() as session:
            rows = await TaskRepository(session).overdue_counts(clock())
        return {(department or "none",): count for department, count in rows}

    return [SampledGauge(OPEN, open_tasks), SampledGauge(OVERDUE, overdue_tasks)]
