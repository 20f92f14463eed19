"""The root-cause Pareto over tasks: per root cause, tasks, occurrences and value-weighted
impact, highest impact first, with shares of the total."""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.actions import TaskChange
from tests.actions.backlog.conftest import Backlog
from tests.actions.backlog.factories import AS_OF, create_task, days_before
from tests.conftest import unique


def lines(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (line["root_cause"], line["name"], line["tasks"], line["occurrences"], line["impact"])
        for line in report["root_causes"]
    ]


async def test_pareto_of_root_causes_at_a_touchpoint(backlog: Backlog) -> None:
    touchpoint, day = unique("tp"), days_before(1)
    customer = unique("cust")
    renamed = create_task(touchpoint, None, opened_at=day, customer_id=customer)
    await backlog.feed(
        [
            create_task(
                touchpoint, "late-delivery", occurrences=2, value_tier="gold", opened_at=day
            ),
            create_task(touchpoint, "late-delivery", opened_at=day),
            create_task(touchpoint, "late-delivery", value_tier="silver", opened_at=day),
            create_task(
                touchpoint, "wrong-item", occurrences=2, value_tier="bronze", opened_at=day
            ),
            create_task(touchpoint, None, opened_at=day),
            create_task(touchpoint, None, value_tier="gold", opened_at=day),
            create_task(touchpoint, "broken-app", occurrences=6, opened_at=day),
            renamed,
            create_task(
                touchpoint,
                "wrong-item",
                task_id=renamed.task_id,
                number=2,
                change=TaskChange.UPDATED,
                customer_id=customer,
                opened_at=day,
            ),
        ]
    )

    report = await backlog.get("/v1/reports/root-causes", touchpoint=touchpoint)

    assert lines(report) == [
        ("late-delivery", "Late delivery", 3, 4, 9.0),  # 2×3 + 1 + 2
        ("broken-app", "broken-app", 1, 6, 6.0),  # not in the map: its id
        (None, "unassigned", 2, 2, 4.0),  # 1 + 3
        ("wrong-item", "Wrong item", 2, 3, 2.0),  # 2×0.5 + 1
    ]
    shares = [line["share"] for line in report["root_causes"]]
    assert shares == pytest.approx([9 / 21, 6 / 21, 4 / 21, 2 / 21])
    assert sum(shares) == pytest.approx(1.0)
    cumulative = [line["cumulative_share"] for line in report["root_causes"]]
    assert cumulative == pytest.approx([9 / 21, 15 / 21, 19 / 21, 1.0])
    assert cumulative[-1] == 1.0
    assert (report["tasks"], report["impact"], report["touchpoint"]) == (8, 21.0, touchpoint)


async def test_pareto_filters_by_opening_time_and_department(backlog: Backlog) -> None:
    touchpoint = unique("tp")
    department = unique("dept")
    await backlog.feed(
        [
            create_task(touchpoint, "late-delivery", occurrences=3, opened_at=days_before(1)),
            create_task(touchpoint, "wrong-item", occurrences=10, opened_at=days_before(200)),
            create_task(touchpoint, "late-delivery", opened_at=AS_OF),  # at `to`: excluded
            create_task(touchpoint, "wrong-item", opened_at=days_before(1), department=department),
        ]
    )

    everything = await backlog.get("/v1/reports/root-causes", touchpoint=touchpoint)
    assert [(line[0], line[2]) for line in lines(everything)] == [
        ("wrong-item", 2),
        ("late-delivery", 2),
    ]
    window = await backlog.get(
        "/v1/reports/root-causes",
        touchpoint=touchpoint,
        **{"from": days_before(100).isoformat(), "to": AS_OF.isoformat()},
    )
    assert lines(window) == [
        ("late-delivery", "Late delivery", 1, 3, 3.0),
        ("wrong-item", "Wrong item", 1, 1, 1.0),
    ]
    assert window["from"] == days_before(100).isoformat().replace("+00:00", "Z")
    owned = await backlog.get(
        "/v1/reports/root-causes", touchpoint=touchpoint, department=department
    )
    assert [(line[0], line[-1]) for line in lines(owned)] == [("wrong-item", 1.0)]
    assert owned["root_causes"][0]["cumulative_share"] == 1.0


async def test_no_tasks_no_lines(backlog: Backlog) -> None:
    report = await backlog.get("/v1/reports/root-causes", touchpoint=unique("tp"))

    assert (report["root_causes"], report["tasks"], report["impact"]) == ([], 0, 0.0)
