"""What the survey funnel costs PostgreSQL over a ledger much longer than its period: the
period's decisions are read from ``policy_decision_funnel`` alone (not from the ledger's
wide rows), and the invitations are joined to the allowed ones only; the figures are those
of the statements as they were before the index, for the same data."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from services.actions.surveys.funnel_repository import (
    FunnelFilter,
    FunnelRepository,
    Period,
    _decisions_query,
    _invitations_query,
)
from shared.db.session import async_url
from tests.conftest import Infra, fresh_database, plan_nodes

DECISIONS = 40_000  # one every 25 minutes: almost two years of ledger
NOW = datetime(2031, 6, 1, tzinfo=UTC)
SINCE, UNTIL = NOW - timedelta(days=90), NOW

# One decision in four allowed, each with its invitation (opened one time in three,
# answered one in five, after 0 to 49 hours); personas and channels in turn.
_FILL = """
INSERT INTO actions.policy_decision (id, customer_id, touchpoint, channel, at, allowed,
                                     reason, origin, persona, decided_by)
SELECT 'd-' || i, 'c-' || (i % 5000), (ARRAY['checkout', 'delivery', 'relationship'])[1 + i % 3],
       (ARRAY['email', 'sms'])[1 + i % 7 % 2], $1::timestamptz - i * interval '25 minutes',
       i % 4 = 0, CASE WHEN i % 4 = 0 THEN 'allowed' WHEN i % 4 = 1 THEN 'open_task'
                       ELSE 'survey_interval' END,
       'moment_of_truth', (ARRAY['student', 'busy-parent', NULL])[1 + i % 5 % 3], 'policy'
FROM generate_series(1, $2::int) AS i;
INSERT INTO actions.survey_invitation (invitation_id, token_sha256, decision_id, customer_id,
                                       touchpoint, channel, persona, reason, created_at,
                                       expires_at, opened_at, answered_at)
SELECT 'i-' || d.id, md5(d.id), d.id, d.customer_id, d.touchpoint, d.channel, d.persona,
       'moment_of_truth', d.at + interval '1 minute', d.at + interval '7 days',
       CASE WHEN n % 3 = 0 THEN d.at + interval '1 hour' END,
       CASE WHEN n % 5 = 0 THEN d.at + (n % 50) * interval '1 hour' END
FROM (SELECT *, substr(id, 3)::int AS n FROM actions.policy_decision) AS d
WHERE d.allowed
"""

# The funnel's statements as they were before ``policy_decision_funnel`` (every decision
# of the period joined to the invitations), each filter tested when given.
_FILTERS = """
(CAST(:since AS timestamptz) IS NULL OR d.at >= :since)
AND (CAST(:until AS timestamptz) IS NULL OR d.at < :until)
AND (CAST(:touchpoint AS text) IS NULL OR d.touchpoint = :touchpoint)
AND (CAST(:channel AS text) IS NULL OR d.channel = :channel)
AND (CAST(:persona AS text) IS NULL OR d.persona = :persona)
"""
_BEFORE = {
    "decisions": """
SELECT d.touchpoint, d.channel, d.persona, date_trunc(:period, timezone('UTC', d.at)),
       d.allowed, d.reason, count(*)
FROM actions.policy_decision AS d
WHERE """
    + _FILTERS
    + "GROUP BY 1, 2, 3, 4, 5, 6",
    "invitations": """
SELECT d.touchpoint, d.channel, d.persona, date_trunc(:period, timezone('UTC', d.at)),
       count(*), count(*) FILTER (WHERE i.opened_at IS NOT NULL OR i.answered_at IS NOT NULL),
       count(i.answered_at),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM i.answered_at - i.created_at))
FROM actions.survey_invitation AS i JOIN actions.policy_decision AS d ON d.id = i.decision_id
WHERE """
    + _FILTERS
    + "GROUP BY 1, 2, 3, 4",
}


@pytest.fixture(scope="module")
async def ledger(infra: Infra) -> AsyncIterator[AsyncSession]:
    """A session on a database holding :data:`DECISIONS` decisions and the allowed ones'
    invitations, vacuumed and analysed."""
    async with fresh_database(infra, "funnel", ["actions"]) as url:
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            decisions, invitations = _FILL.split(";")
            await connection.execute(decisions, NOW, DECISIONS)
            await connection.execute(invitations)
            await connection.execute("VACUUM (ANALYZE) actions.policy_decision")
            await connection.execute("VACUUM (ANALYZE) actions.survey_invitation")
        finally:
            await connection.close()
        engine = create_async_engine(async_url(url))
        try:
            async with AsyncSession(engine) as session:
                yield session
        finally:
            await engine.dispose()


async def _plan(session: AsyncSession, statement: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The statement's plan as it ran (JSON, with buffers) for ``values``."""
    compiled = statement.compile(dialect=postgresql.asyncpg.dialect())
    bound = {**compiled.params, **values}
    arguments = tuple(bound[name] for name in compiled.positiontup or ())
    connection = await session.connection()
    explained = await connection.exec_driver_sql(
        f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {compiled}", arguments
    )
    plan: dict[str, Any] = explained.scalar_one()[0]["Plan"]  # json decoded by the driver
    return plan


async def test_the_period_is_read_from_the_index_alone(ledger: AsyncSession) -> None:
    shape, values = FunnelFilter(SINCE, UNTIL, None, None, None).shaped()
    in_period = DECISIONS * 90 // 694  # one decision every 25 minutes, about
    for statement, decisions in (
        (_decisions_query(shape, "month"), in_period),
        (_invitations_query(shape, "month"), in_period // 4),  # the allowed ones
    ):
        plan = await _plan(ledger, statement, values)
        scans = [
            node for node in plan_nodes(plan) if node.get("Relation Name") == "policy_decision"
        ]
        assert [(node["Node Type"], node["Index Name"]) for node in scans] == [
            ("Index Only Scan", "policy_decision_funnel")
        ]
        assert scans[0]["Heap Fetches"] == 0
        assert abs(scans[0]["Actual Rows"] - decisions) <= decisions // 50


@pytest.mark.parametrize("period", ["day", "week", "month"])
@pytest.mark.parametrize(
    "filters",
    [
        FunnelFilter(SINCE, UNTIL, None, None, None),
        FunnelFilter(SINCE, UNTIL, None, None, "student"),
        FunnelFilter(SINCE, None, "checkout", "sms", None),
        FunnelFilter(None, None, None, None, None),
    ],
)
async def test_the_same_figures_as_before_the_index(
    ledger: AsyncSession, period: Period, filters: FunnelFilter
) -> None:
    repo = FunnelRepository(ledger)
    values = {"period": period, **vars(filters)}
    for name, rows in (
        ("decisions", await repo.decisions(filters, period)),
        ("invitations", await repo.invitations(filters, period)),
    ):
        before = [tuple(row) for row in await ledger.execute(text(_BEFORE[name]), values)]
        assert len(before) >= 5
        assert sorted(rows, key=repr) == sorted(before, key=repr)
