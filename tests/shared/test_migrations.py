from __future__ import annotations

import asyncio

from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection

from shared.config import ServiceSettings
from shared.db.migrations import alembic_config, services_with_migrations, upgrade
from shared.db.session import create_engine
from tests.conftest import Infra


async def test_each_service_owns_a_schema_with_its_own_history(infra: Infra) -> None:
    # the session already upgraded: a second run changes nothing
    await asyncio.to_thread(upgrade, infra.database_url)

    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    try:
        async with engine.connect() as conn:
            tables = {
                schema: await conn.run_sync(lambda c, s=schema: inspect(c).get_table_names(s))
                for schema in services_with_migrations()
            }
            versions = {schema: await _versions(conn, schema) for schema in tables}
    finally:
        await engine.dispose()

    assert set(tables) == {"actions", "alerts", "scoring"}
    assert all({"alembic_version", "processed_event"} <= set(t) for t in tables.values())
    heads = {
        service: set(
            ScriptDirectory.from_config(alembic_config(service, infra.database_url)).get_heads()
        )
        for service in tables
    }
    assert versions == heads


async def _versions(conn: AsyncConnection, schema: str) -> set[str]:
    query = text(f"SELECT version_num FROM {schema}.alembic_version")  # noqa: S608 (our names)
    return set((await conn.execute(query)).scalars())
