"""What the rules forget and when: the horizons per key, their hand-over at most every
``RULES_PRUNE_SECONDS``, and the one statement that deletes what lies before them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules import pruning
from services.alerts.rules.config import RulesSettings
from services.alerts.rules.models import customer_lxi, irritant_day, irritant_term_day, spike_bucket
from services.alerts.rules.pruning import Horizons, Pruner
from services.alerts.rules.repository import RulesRepository
from services.alerts.rules.rulebook import RuleBook
from shared.events.schemas import Verbatim
from tests.alerts.rules_fixtures import T0, create_moment
from tests.conftest import unique

BOOK = RuleBook.build(RulesSettings(), {}, None)  # drop 7 days, spike 1 day, irritant 7 + 90 days
WORDS = Verbatim(text="late again", language="en", sentiment=-0.5, sentiment_class="negative")


def test_each_key_keeps_the_latest_horizon_of_the_batches() -> None:
    horizons = Horizons()
    horizons.add(BOOK, [create_moment("c1", "tp", T0, verbatim=WORDS), create_moment("c2", None)])
    horizons.add(BOOK, [create_moment("c1", "tp", T0 - timedelta(days=2))])  # a late moment

    assert horizons.steps == {"c1": T0 - timedelta(days=7), "c2": T0 - timedelta(days=7)}
    assert horizons.buckets == {"tp": T0 - timedelta(days=1, hours=1)}
    assert horizons.days == {"tp": T0.date() - timedelta(days=98)}


def test_horizons_are_handed_over_at_once_then_at_most_every_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(pruning.time, "monotonic", lambda: now[0])
    pruner = Pruner(10)

    first = pruner.due(BOOK, [create_moment("c1", "tp")])
    now[0] += 9
    held = pruner.due(BOOK, [create_moment("c2", "tp")])
    now[0] += 1
    later = pruner.due(BOOK, [create_moment("c3", None)])

    assert first is not None
    assert set(first.steps) == {"c1"}
    assert held is None
    assert later is not None
    assert set(later.steps) == {"c2", "c3"}
    assert set(later.buckets) == {"tp"}


async def test_prune_deletes_only_the_rows_before_each_keys_horizon(
    rules_session: AsyncSession,
) -> None:
    customer, other, tp = unique("prune-c"), unique("prune-c"), unique("prune-tp")
    minute, day = datetime(2026, 6, 1, 9, tzinfo=UTC), date(2026, 6, 1)
    for who, at in [(customer, minute), (customer, minute - timedelta(days=8)), (other, minute)]:
        await rules_session.execute(
            customer_lxi.insert().values(customer_id=who, moment_id=unique("m"), at=at, lxi_after=1)
        )
    for at in (minute, minute - timedelta(days=2)):
        await rules_session.execute(
            spike_bucket.insert().values(touchpoint=tp, minute=at, total=1, negatives=0)
        )
    for d in (day, day - timedelta(days=100)):
        await rules_session.execute(irritant_day.insert().values(touchpoint=tp, day=d, verbatims=1))
        await rules_session.execute(
            irritant_term_day.insert().values(touchpoint=tp, term="late", day=d, verbatims=1)
        )

    before = minute - timedelta(days=1)
    horizons = Horizons(
        steps={customer: before, other: minute - timedelta(days=30)},
        buckets={tp: before},
        days={tp: day - timedelta(days=98)},
    )
    await RulesRepository(rules_session).prune(horizons)

    async def kept(table: Table, key: str, value: str) -> int:
        query = select(func.count()).select_from(table).where(table.c[key] == value)
        return (await rules_session.execute(query)).scalar_one()

    assert await kept(customer_lxi, "customer_id", customer) == 1
    assert await kept(customer_lxi, "customer_id", other) == 1
    assert await kept(spike_bucket, "touchpoint", tp) == 1
    assert await kept(irritant_day, "touchpoint", tp) == 1
    assert await kept(irritant_term_day, "touchpoint", tp) == 1
