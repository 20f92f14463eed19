"""``GET /v1/reports/committee`` on actions: the committee page's Pareto, closed loop and
survey funnel in one call, each exactly what its own endpoint answers the same key (the
backlog's parts: tests/actions/backlog/test_committee_report.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.actions.tasks.conftest import FakeClock, Tasks, create_alert, until
from tests.conftest import unique

R0 = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)  # before every other test's period, open-ended ones too
SERVICE = {"department": "customer-service", "referent": "sarah-moreau", "priority": 4.0}
PARTS = {
    "root_causes": "/v1/reports/root-causes",
    "closed_loop": "/v1/reports/closed-loop",
    "survey_funnel": "/v1/reports/survey-funnel",
}


async def get(tasks: Tasks, path: str, key: str | None = None, **params: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else None
    response = await tasks.client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_parts_are_the_reports_of_their_own_endpoints(
    tasks: Tasks, clock: FakeClock
) -> None:
    customers = [unique("cust") for _ in range(2)]
    await tasks.feed([create_alert(c, tasks.tp.call, at=R0, lxi=40, **SERVICE) for c in customers])
    task_id = (await tasks.tasks_of(customers[0]))[0]["id"]
    clock.set(R0 + timedelta(hours=2))
    assert (await tasks.patch(task_id, status="acknowledged")).status_code == 200
    period = {"from": R0.isoformat(), "to": (R0 + timedelta(days=1)).isoformat()}
    await until(lambda: _pareto_caught_up(tasks, period))

    body = await get(tasks, "/v1/reports/committee", **period)

    assert body["refused"] == []
    assert (body["from"], body["to"]) == ("2030-05-06T08:00:00Z", "2030-05-07T08:00:00Z")
    for part, path in PARTS.items():
        assert body[part] == await get(tasks, path, **period), part
    loop = body["closed_loop"]
    assert (loop["tasks"], loop["time_to_acknowledge"]["p50_hours"]) == (2, 2.0)


async def _pareto_caught_up(tasks: Tasks, period: dict[str, str]) -> bool:
    """The Pareto counts the backlog's copy of the tasks, kept from their events: it has
    caught up when it counts the tasks the closed loop reads from the tasks themselves."""
    pareto = await get(tasks, "/v1/reports/root-causes", **period)
    return bool(pareto["tasks"] == (await get(tasks, "/v1/reports/closed-loop", **period))["tasks"])


async def test_a_referent_gets_only_the_parts_its_key_may_read(tasks: Tasks) -> None:
    await tasks.feed([create_alert(unique("cust"), tasks.tp.call, at=R0, **SERVICE)])
    key = tasks.keys.customer_service  # tasks:* only
    period = {"from": R0.isoformat(), "to": (R0 + timedelta(days=1)).isoformat()}

    body = await get(tasks, "/v1/reports/committee", key, **period)
    own = await get(tasks, "/v1/reports/closed-loop", key, **period)
    pareto = await tasks.client.get(
        "/v1/reports/root-causes", params=period, headers={"Authorization": f"Bearer {key}"}
    )

    assert body["refused"] == ["root_causes", "survey_funnel", "backlog", "quick_wins"]
    assert (body["root_causes"], body["survey_funnel"]) == (None, None)
    assert pareto.status_code == 403
    assert body["closed_loop"] == own
    assert own["department"] == "customer-service"
    writer = {"Authorization": f"Bearer {tasks.keys.writer}"}
    assert (await tasks.client.get("/v1/reports/committee", headers=writer)).status_code == 403
