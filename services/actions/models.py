"""Tables of the actions service, all in its own schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from shared.db.inbox import processed_event_table

SCHEMA = "actions"
metadata = MetaData(schema=SCHEMA)

processed_event = processed_event_table(metadata, SCHEMA)
