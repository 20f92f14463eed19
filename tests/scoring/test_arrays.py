"""The experience's writes that send rows as an array of the table's row type: each row is a
tuple in the metadata's column order, which must be the database's after the migrations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from sqlalchemy import Table

from services.scoring.experience import formulas, repository
from services.scoring.experience.arrays import ArrayStatement
from services.scoring.experience.customer import CustomerState
from services.scoring.models import customer, touchpoint_day, touchpoint_latest
from tests.conftest import Infra

_COLUMNS = """
SELECT attname FROM pg_attribute
WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
ORDER BY attnum
"""


@pytest.mark.parametrize("table", [customer, touchpoint_latest, touchpoint_day], ids=str)
async def test_the_row_type_has_the_metadata_columns_in_order(infra: Infra, table: Table) -> None:
    connection = await asyncpg.connect(infra.database_url)
    try:
        stored = [row["attname"] for row in await connection.fetch(_COLUMNS, table.fullname)]
    finally:
        await connection.close()
    assert stored == [c.name for c in table.columns]


def test_the_experience_writes_whole_rows_as_records() -> None:
    statements = [repository._UPSERT_LATEST, repository._ADD_DAY_COUNTERS]
    for statement, table in zip(statements, [touchpoint_latest, touchpoint_day], strict=True):
        assert statement.as_records
        assert statement.columns == tuple(c.name for c in table.columns)
        assert f"unnest($1::{table.fullname}[])" in statement.sql
    # the customers locked, then those created
    for parameter in ("$1", "$2"):
        assert f"unnest({parameter}::{customer.fullname}[])" in repository._SAVE_CUSTOMERS


def test_records_are_tuples_in_column_order_and_need_every_column() -> None:
    statement = ArrayStatement.insert_records(touchpoint_latest)
    row = {"valence": 0.5, "customer_id": "c", "touchpoint": "t", "event_id": "e", "occurred_at": 1}
    assert statement.arrays([row]) == [[("c", "t", "e", 1, 0.5)]]
    with pytest.raises(KeyError):
        statement.arrays([{"customer_id": "c"}])


def test_a_customer_state_is_recorded_in_the_customer_tables_column_order() -> None:
    at = datetime(2026, 12, 6, tzinfo=UTC)
    state = CustomerState(
        customer_id="c",
        sums=formulas.DecayedSums(1.5, 2.5, at - timedelta(days=1)),
        signals=3,
        positives=2,
        negatives=1,
        last_nps=9,
        last_nps_at=at - timedelta(days=2),
        persona="family",
        value_tier="gold",
        profile_at=at - timedelta(days=3),
    )
    recorded = dict(zip([c.name for c in customer.columns], state.record(), strict=True))
    assert recorded == {
        "customer_id": "c",
        "s": 1.5,
        "w": 2.5,
        "t_ref": at - timedelta(days=1),
        "signals": 3,
        "positives": 2,
        "negatives": 1,
        "last_nps": 9,
        "last_nps_at": at - timedelta(days=2),
        "persona": "family",
        "value_tier": "gold",
        "profile_at": at - timedelta(days=3),
        "updated_at": None,  # the batch's time, which the statement gives every row
    }
    read_back = CustomerState.from_record(state.record())
    assert read_back == state
