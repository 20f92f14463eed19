"""Tables of the alerts service, all in its own schema."""

from __future__ import annotations

from sqlalchemy import MetaData

from shared.db.inbox import processed_event_table
from shared.erasure import erasure_table

SCHEMA = "alerts"
metadata = MetaData(schema=SCHEMA)

processed_event = processed_event_table(metadata, SCHEMA)
# The customers erased, and when: their tombstones (see shared/erasure.py).
customer_erasure = erasure_table(metadata, SCHEMA)
