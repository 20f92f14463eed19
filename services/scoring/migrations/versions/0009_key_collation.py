"""The identifiers of scoring's hot tables compared byte by byte (collation "C")

Event and customer ids are opaque names: compared in the database's collation, every step
of a B-tree descent on them went through the C library's locale comparison (``strcoll``),
and the order they gave was the locale's, where the consumer orders the same ids as Python
does, by code point (the tie-break between two signals of the same instant: the latest
valence per touchpoint kept in memory and by the upsert's condition). Collation "C" is the
code point order of UTF-8, compared with ``memcmp``.

The tables are not rewritten; each index on these columns is rebuilt, under an exclusive
lock on its table (plan a maintenance window for a large ``signal`` table).

Revision ID: 0009_key_collation
Revises: 0008_update_room
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_key_collation"
down_revision = "0008_update_room"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
# table → its identifier columns, each with its length
COLUMNS = {
    "customer": {"customer_id": 128},
    "signal": {"event_id": 128, "customer_id": 128, "interaction_event_id": 128},
    "touchpoint_latest": {"customer_id": 128, "touchpoint": 64, "event_id": 128},
    "verbatim": {"event_id": 128, "customer_id": 128},
    "verbatim_theme": {"event_id": 128},
}


def _collate(collation: str | None) -> None:
    for table, columns in COLUMNS.items():
        for column, length in columns.items():
            op.alter_column(
                table, column, type_=sa.String(length, collation=collation), schema=SCHEMA
            )


def upgrade() -> None:
    _collate("C")


def downgrade() -> None:
    _collate(None)
