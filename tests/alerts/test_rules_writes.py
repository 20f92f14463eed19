"""What a batch writes, in the statement the repository sends: alerts raised and changed,
their changes and moments, read back as given."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.models import alert, alert_change, alert_moment
from services.alerts.rules.repository import RulesRepository
from tests.alerts.rules_fixtures import T0
from tests.conftest import unique


def create_alert_row(**fields: Any) -> dict[str, Any]:
    return {
        "id": unique("alt"),
        "rule": "negative_moment_of_truth",
        "level": "customer",
        "dedupe_key": "touchpoint:delivery",
        "customer_id": unique("cust"),
        "touchpoint": "delivery",
        "department": "logistics",
        "referent": None,
        "severity": 4,
        "priority": 6.75,
        "status": "open",
        "occurrences": 1,
        "first_at": T0,
        "last_at": T0,
        "changes": 1,
        "summary": "Negative moment of truth at delivery: NPS 2",
        "summary_reasons": [{"code": "nps_at_most", "text": "NPS 2"}],
        "persona": None,
        "value_tier": "gold",
        "lxi": 41.25,
        "term": None,
        **fields,
    }


async def test_new_alerts_their_changes_and_moments_read_back_as_given(
    rules_session: AsyncSession,
) -> None:
    row = create_alert_row()
    change = {
        "alert_id": row["id"],
        "number": 1,
        "moment_id": unique("m"),
        "change": "raised",
        "changed_at": T0,
        "event": {"event_id": f"alert:{row['id']}:1", "nested": {"a": [1, 2.5]}},
    }
    moment = {
        "alert_id": row["id"],
        "moment_id": change["moment_id"],
        "change": 1,
        "customer_id": row["customer_id"],
        "touchpoint": "delivery",
        "valence": -0.8125,
        "occurred_at": T0,
        "details": {"reasons": ["NPS 2"], "verbatim": None},
    }

    await RulesRepository(rules_session).save_alerts([row], [], [change], [moment])

    stored = (await rules_session.execute(select(alert).where(alert.c.id == row["id"]))).one()
    assert {k: getattr(stored, k) for k in row} == row
    changes = await rules_session.execute(
        select(alert_change).where(alert_change.c.alert_id == row["id"])
    )
    assert [dict(r._mapping) for r in changes] == [change]
    moments = await rules_session.execute(
        select(alert_moment).where(alert_moment.c.alert_id == row["id"])
    )
    assert [dict(r._mapping) for r in moments] == [moment]


async def test_a_change_rewrites_the_alert_but_a_closed_one_stays_closed(
    rules_session: AsyncSession,
) -> None:
    repo = RulesRepository(rules_session)
    open_row, closed_row = create_alert_row(), create_alert_row()
    await repo.save_alerts([open_row, closed_row], [], [], [])
    await repo.close_alerts([closed_row["id"]])  # by its task, meanwhile

    later = T0 + timedelta(hours=1)
    changed = [
        {**r, "occurrences": 2, "last_at": later, "changes": 2} for r in (open_row, closed_row)
    ]
    await repo.save_alerts([], changed, [], [])

    rows = await rules_session.execute(
        select(alert.c.id, alert.c.status, alert.c.occurrences, alert.c.last_at).where(
            alert.c.id.in_([open_row["id"], closed_row["id"]])
        )
    )
    assert {r.id: (r.status, r.occurrences, r.last_at) for r in rows} == {
        open_row["id"]: ("open", 2, later),
        closed_row["id"]: ("closed", 2, later),
    }
