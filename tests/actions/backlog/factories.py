"""Events as the other services publish them: committee spikes, task changes, moments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events.actions import TaskChange, TaskChanged, TaskStatus
from shared.events.alerts import AlertChange, AlertChanged, AlertRule
from shared.events.schemas import MomentEvaluated, Polarity
from tests.conftest import unique

# A fixed reading time near now (impact windows slide with the wall clock otherwise): noon
# UTC yesterday. Its 90-day window starts at 00:00 UTC of WINDOW_START.
AS_OF = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
WINDOW_START = AS_OF.replace(hour=0) - timedelta(days=89)


def iso(at: datetime) -> str:
    """A UTC time as the API writes it."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def days_before(days: float, at: datetime = AS_OF) -> datetime:
    return at - timedelta(days=days)


def create_spike(
    touchpoint: str,
    alert_id: str,
    number: int = 1,
    change: AlertChange = AlertChange.RAISED,
    at: datetime = AS_OF,
    occurrences: int = 1,
) -> AlertChanged:
    """A committee alert change as the alerts service publishes it."""
    return AlertChanged(
        event_id=f"alert:{alert_id}:{number}",
        customer_id=f"touchpoint:{touchpoint}",
        alert_id=alert_id,
        change=change,
        rule=AlertRule.SYSTEMIC_SPIKE,
        level="committee",
        touchpoint=touchpoint,
        severity=5,
        priority=5.0,
        occurrences=occurrences,
        summary=f"Systemic spike at {touchpoint}",
        changed_at=at,
    )


def create_task(
    touchpoint: str,
    root_cause: str | None,
    *,
    task_id: str | None = None,
    number: int = 1,
    occurrences: int = 1,
    value_tier: str | None = None,
    opened_at: datetime = AS_OF,
    customer_id: str | None = None,
    **fields: Any,
) -> TaskChanged:
    """A task change; by default a task opened at AS_OF (its change number 1)."""
    task_id = task_id or unique("task")
    values: dict[str, Any] = {
        "change": TaskChange.OPENED,
        "status": TaskStatus.OPEN,
        "department": "logistics",
        "priority": "medium",
        "priority_score": 4.0,
        "severity": 4,
        "due_at": opened_at + timedelta(days=3),
        "actor": "system",
        "summary": "task",
        "changed_at": opened_at,
        **fields,
    }
    return TaskChanged(
        event_id=f"task:{task_id}:{number}",
        customer_id=customer_id or unique("cust"),
        task_id=task_id,
        touchpoint=touchpoint,
        root_cause=root_cause,
        occurrences=occurrences,
        value_tier=value_tier,
        opened_at=opened_at,
        **values,
    )


def create_moment(
    touchpoint: str,
    at: datetime,
    value_tier: str | None = None,
    polarity: Polarity = Polarity.NEGATIVE,
    customer_id: str | None = None,
) -> MomentEvaluated:
    source = unique("src")
    valence = {Polarity.NEGATIVE: -0.6, Polarity.NEUTRAL: 0.0, Polarity.POSITIVE: 0.6}[polarity]
    return MomentEvaluated(
        event_id=f"moment:{source}",
        customer_id=customer_id or unique("cust"),
        source_event_id=source,
        source="survey",
        touchpoint=touchpoint,
        known_touchpoint=True,
        moment_of_truth=False,
        moment_of_pain=False,
        occurred_at=at,
        valence=valence,
        weight=1.0,
        polarity=polarity,
        lxi_after=50.0,
        value_tier=value_tier,
    )
