from __future__ import annotations

import asyncio
import importlib
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, String, inspect, text
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


@pytest.mark.parametrize("service", ["actions", "alerts", "scoring"])
async def test_the_migrated_schema_matches_the_models(infra: Infra, service: str) -> None:
    """What Alembic's autogenerate would write for the service's schema: nothing."""
    importlib.import_module(f"services.{service}.app")  # every table of the service declared
    models = importlib.import_module(f"services.{service}.models")
    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(_differences, models.metadata, models.SCHEMA)
    finally:
        await engine.dispose()

    assert differences == []


@pytest.mark.parametrize("service", ["actions", "alerts", "scoring"])
async def test_the_migrated_columns_compare_as_the_models_say(infra: Infra, service: str) -> None:
    """Each text column's collation (autogenerate does not compare them): "C" where the
    model asks for it, the database's own elsewhere."""
    importlib.import_module(f"services.{service}.app")
    models = importlib.import_module(f"services.{service}.models")
    declared = {
        (table.name, column.name): getattr(column.type, "collation", None)
        for table in models.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, String)
    }
    query = text(
        "SELECT table_name, column_name, collation_name FROM information_schema.columns "
        "WHERE table_schema = :schema AND data_type IN ('text', 'character varying')"
    )
    engine = create_engine(ServiceSettings(database_url=infra.database_url))
    try:
        async with engine.connect() as conn:
            found = {
                (table, column): collation
                for table, column, collation in await conn.execute(query, {"schema": models.SCHEMA})
                if (table, column) in declared
            }
    finally:
        await engine.dispose()

    assert found == declared
    if service == "scoring":
        assert found[("signal", "event_id")] == found[("customer", "customer_id")] == "C"


def _differences(conn: Connection, metadata: MetaData, schema: str) -> list[Any]:
    context = MigrationContext.configure(
        conn,
        opts={
            "include_schemas": True,
            "include_name": lambda name, type_, _: type_ != "schema" or name == schema,
            "version_table_schema": schema,
            "compare_type": True,
            "compare_server_default": True,
        },
    )
    return list(compare_metadata(context, metadata))
