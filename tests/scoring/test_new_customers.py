"""A customer's first signals in two batches at once (their events on two partitions, during
a rebalance): the customer's row is created by one batch; the other fails, is retried as the
runner retries a batch, and applies on top of it. Neither write is lost."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from sqlalchemy import select

from services.scoring.experience.service import ExperienceService
from services.scoring.models import customer
from shared.kafka.journey_watch import JourneyMapHolder
from tests.conftest import unique
from tests.scoring.conftest import Scoring
from tests.scoring.factories import T0, consumed, create_interaction, create_survey, days


async def test_a_customer_created_by_two_batches_at_once_keeps_both(scoring: Scoring) -> None:
    service = ExperienceService(scoring.settings, JourneyMapHolder())
    person = unique("cust")
    interaction = create_interaction(person, T0)
    survey = create_survey(person, T0 + days(1), nps=9)

    async with scoring.sessions() as first, scoring.sessions() as second:
        await first.begin()
        await service.apply(first, [consumed(interaction)])
        await second.begin()
        # the second batch found no row to lock and waits to create one the first holds
        creating = asyncio.create_task(service.apply(second, [consumed(survey)]))
        await asyncio.sleep(0.5)
        assert not creating.done()
        await first.commit()
        with pytest.raises(asyncpg.UniqueViolationError):
            await creating
        await second.rollback()
        async with second.begin():
            await service.apply(second, [consumed(survey)])

    async with scoring.sessions() as session:
        row = (
            await session.execute(select(customer).where(customer.c.customer_id == person))
        ).one()
    assert (row.signals, row.last_nps) == (2, 9)
