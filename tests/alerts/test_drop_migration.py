"""The open experience drops stored under the customer's one key keep gathering once drops
gather per customer × touchpoint (alerts migration 0008)."""

from __future__ import annotations

import asyncio

from alembic import command
from sqlalchemy import text

from shared.config import ServiceSettings
from shared.db.migrations import alembic_config, upgrade
from shared.db.session import create_engine
from tests.conftest import Infra, fresh_database

BEFORE = "0007_disabled_reason_code"
INSERT = """
INSERT INTO alerts.alert (id, rule, level, dedupe_key, customer_id, touchpoint, severity,
  priority, status, occurrences, first_at, last_at, changes, summary)
VALUES (:id, 'experience_drop', 'customer', 'experience_drop', 'c-1', :touchpoint, 3, 3,
  'open', 1, now(), now(), 1, 'Experience drop')
"""


async def test_a_stored_drop_takes_the_key_of_the_touchpoint_it_was_raised_at(
    infra: Infra,
) -> None:
    async with fresh_database(infra, "drops", ["alerts"]) as url:
        config = alembic_config("alerts", url)
        await asyncio.to_thread(command.downgrade, config, BEFORE)
        engine = create_engine(ServiceSettings(database_url=url))
        try:
            async with engine.begin() as conn:
                await conn.execute(text(INSERT), {"id": "alt_web", "touchpoint": "web"})
                await conn.execute(text(INSERT), {"id": "alt_none", "touchpoint": None})
            await asyncio.to_thread(upgrade, url, ["alerts"])
            async with engine.connect() as conn:
                found = await conn.execute(text("SELECT id, dedupe_key FROM alerts.alert"))
                keys = {row.id: row.dedupe_key for row in found}
        finally:
            await engine.dispose()

    assert keys == {"alt_web": "experience_drop:web", "alt_none": "experience_drop:"}
