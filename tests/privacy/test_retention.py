"""Retention: rows older than their age are purged in batches, newer ones and aggregates stay.

The rows are dated 2000-2001, long before anything the rest of the suite writes, and the
purges run at an explicit ``now`` in 2002.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from services.actions.backlog.models import (
    backlog_negative_day,
    backlog_processed_event,
    backlog_term_day,
)
from services.actions.policy.models import policy_quota_usage
from services.actions.surveys.models import survey_invitation
from services.actions.tasks.models import task_inbox
from services.alerts.models import processed_event
from services.alerts.webhooks.models import WebhookDelivery, WebhookEndpoint
from services.scoring.models import signal, touchpoint_day
from shared.retention import Retention
from tests.conftest import unique
from tests.privacy.conftest import Pipeline

NOW = datetime(2002, 2, 1, tzinfo=UTC)
OLD = NOW - timedelta(days=500)
DAY = timedelta(days=1)


def _signal(customer: str, at: datetime) -> dict[str, Any]:
    return {
        "event_id": unique("ret"),
        "customer_id": customer,
        "source": "interaction",
        "touchpoint": "delivery",
        "known_touchpoint": True,
        "occurred_at": at,
        "valence": 0.5,
        "weight": 1.0,
        "polarity": 1,
        "moment_of_truth": False,
        "moment_of_pain": False,
    }


async def _insert(pipeline: Pipeline, table: Any, rows: list[dict[str, Any]]) -> None:
    async with pipeline.sessions() as session, session.begin():
        await session.execute(insert(table), rows)


async def _count(pipeline: Pipeline, sql: str, **params: Any) -> int:
    return int(await pipeline.scalar(sql, **params))


async def test_old_signals_are_purged_in_batches_aggregates_stay(pipeline: Pipeline) -> None:
    customer, touchpoint = unique("ret-c"), unique("ret-tp")
    keep = pipeline.scoring.state.settings.scoring_signal_retention_days
    cut_off = NOW - timedelta(days=keep)
    await _insert(
        pipeline,
        signal,
        [_signal(customer, cut_off - n * DAY) for n in (1, 2, 3)]
        + [_signal(customer, cut_off + DAY)],
    )
    day = {
        "touchpoint": touchpoint,
        "day": date(2000, 6, 1),
        "channel": "",
        "persona": "",
        "known_touchpoint": True,
        "signals": 4,
    }
    await _insert(pipeline, touchpoint_day, [day])
    retention: Retention = pipeline.scoring.state.retention
    small = Retention(pipeline.sessions, retention.purges, interval=3600, batch=2)

    assert await small.purge(NOW) == {"verbatim": 0, "signal": 3}
    left = "SELECT count(*) FROM scoring.signal WHERE customer_id = :c"
    assert await _count(pipeline, left, c=customer) == 1
    aggregate = "SELECT signals FROM scoring.touchpoint_day WHERE touchpoint = :t"
    assert await pipeline.scalar(aggregate, t=touchpoint) == 4
    assert await small.purge(NOW) == {"verbatim": 0, "signal": 0}


async def test_alerts_purge_sent_deliveries_and_applied_ids(pipeline: Pipeline) -> None:
    endpoint = uuid.uuid4()
    await _insert(
        pipeline,
        WebhookEndpoint.__table__,
        [
            {
                "id": endpoint,
                "url": "https://example.invalid/",
                "event_types": [],
                "secret": "s",
                "enabled": False,
            }
        ],
    )
    future = datetime(2100, 1, 1, tzinfo=UTC)
    rows = [
        {
            "id": uuid.uuid4(),
            "endpoint_id": endpoint,
            "message_id": unique("msg"),
            "event_type": "alert.raised",
            "payload": {},
            "status": status,
            "created_at": at,
            "next_attempt_at": future,
        }
        for status, at in (
            ("succeeded", OLD),
            ("failed", OLD),
            ("pending", OLD),
            ("succeeded", NOW - DAY),
        )
    ]
    await _insert(pipeline, WebhookDelivery.__table__, rows)
    ids = [unique("ret-ev"), unique("ret-ev")]
    applied_at = [
        {"event_id": ids[0], "processed_at": OLD},
        {"event_id": ids[1], "processed_at": NOW},
    ]
    await _insert(pipeline, processed_event, applied_at)

    purged = await pipeline.alerts.state.retention.purge(NOW)

    assert purged["webhook_delivery"] == 2
    assert purged["processed_event"] == 1
    kept = (
        "SELECT array_agg(status ORDER BY status) FROM alerts.webhook_delivery"
        " WHERE endpoint_id = :e"
    )
    assert await pipeline.scalar(kept, e=endpoint) == ["pending", "succeeded"]
    applied = "SELECT array_agg(event_id) FROM alerts.processed_event WHERE event_id = ANY(:ids)"
    assert await pipeline.scalar(applied, ids=ids) == [ids[1]]


async def test_actions_purge_the_task_inbox_and_old_quota_counters(pipeline: Pipeline) -> None:
    ids = [unique("ret-in"), unique("ret-in")]
    await _insert(
        pipeline,
        task_inbox,
        [{"event_id": ids[0], "processed_at": OLD}, {"event_id": ids[1], "processed_at": NOW}],
    )
    persona = unique("ret-persona")
    await _insert(
        pipeline,
        policy_quota_usage,
        [
            {"persona": persona, "period": "month", "period_start": start, "used": 3}
            for start in (datetime(1999, 1, 1, tzinfo=UTC), datetime(2002, 1, 1, tzinfo=UTC))
        ],
    )

    customer = unique("ret-c")
    await _insert(
        pipeline,
        survey_invitation,
        [_invitation(customer, expires_at) for expires_at in (OLD, NOW - timedelta(days=1))],
    )

    purged = await pipeline.actions.state.retention.purge(NOW)

    assert {k: purged[k] for k in ("task_inbox", "policy_quota_usage", "survey_invitation")} == {
        "task_inbox": 1,
        "policy_quota_usage": 1,
        "survey_invitation": 1,
    }
    inbox = "SELECT array_agg(event_id) FROM actions.task_inbox WHERE event_id = ANY(:ids)"
    assert await pipeline.scalar(inbox, ids=ids) == [ids[1]]
    quota = "SELECT count(*) FROM actions.policy_quota_usage WHERE persona = :p"
    assert await _count(pipeline, quota, p=persona) == 1
    invitations = "SELECT count(*) FROM actions.survey_invitation WHERE customer_id = :c"
    assert await _count(pipeline, invitations, c=customer) == 1  # expired yesterday: kept


def _invitation(customer: str, expires_at: datetime) -> dict[str, Any]:
    invitation_id = unique("inv")
    return {
        "invitation_id": invitation_id,
        "token_sha256": uuid.uuid4().hex * 2,
        "decision_id": invitation_id,
        "customer_id": customer,
        "channel": "email",
        "reason": "moment_of_truth",
        "created_at": expires_at - timedelta(days=7),
        "expires_at": expires_at,
    }


async def test_actions_purge_the_backlog_applied_ids_and_old_negative_days(
    pipeline: Pipeline,
) -> None:
    """The backlog's pruning is one of the service's purges, not its consumers' work."""
    settings = pipeline.actions.state.settings
    ids = [unique("ret-bl"), unique("ret-bl")]
    applied = NOW - timedelta(days=settings.backlog_inbox_retention_days)
    await _insert(
        pipeline,
        backlog_processed_event,
        [
            {"event_id": ids[0], "processed_at": applied - DAY},
            {"event_id": ids[1], "processed_at": applied + DAY},
        ],
    )
    touchpoint = unique("ret-tp")
    first_kept = (NOW - timedelta(days=settings.backlog_negative_retention_days)).date()
    await _insert(
        pipeline,
        backlog_negative_day,
        [
            {"touchpoint": touchpoint, "day": day, "value_tier": "", "negatives": 2}
            for day in (first_kept - DAY, first_kept)
        ],
    )

    purged = await pipeline.actions.state.retention.purge(NOW)

    assert purged["backlog_processed_event"] == 1
    assert purged["backlog_negative_day"] == 1
    inbox = (
        "SELECT array_agg(event_id) FROM actions.backlog_processed_event WHERE event_id = ANY(:ids)"
    )
    assert await pipeline.scalar(inbox, ids=ids) == [ids[1]]
    days = "SELECT array_agg(day) FROM actions.backlog_negative_day WHERE touchpoint = :t"
    assert await pipeline.scalar(days, t=touchpoint) == [first_kept]


async def test_actions_purge_the_backlogs_old_term_days(pipeline: Pipeline) -> None:
    """Negative moments per term go with the negative counts, at the same age."""
    settings = pipeline.actions.state.settings
    touchpoint = unique("ret-tp")
    first_kept = (NOW - timedelta(days=settings.backlog_negative_retention_days)).date()
    await _insert(
        pipeline,
        backlog_term_day,
        [
            {
                "touchpoint": touchpoint,
                "term": "appli",
                "day": day,
                "value_tier": "",
                "negatives": 1,
            }
            for day in (first_kept - DAY, first_kept)
        ],
    )

    purged = await pipeline.actions.state.retention.purge(NOW)

    assert purged["backlog_term_day"] == 1
    days = "SELECT array_agg(day) FROM actions.backlog_term_day WHERE touchpoint = :t"
    assert await pipeline.scalar(days, t=touchpoint) == [first_kept]
