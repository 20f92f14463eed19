"""Tables of the actions service, all in its own schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, MetaData, Text, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db.inbox import processed_event_table
from shared.erasure import erasure_table

SCHEMA = "actions"
metadata = MetaData(schema=SCHEMA)

processed_event = processed_event_table(metadata, SCHEMA)
# The customers erased, and when: their tombstones (see shared/erasure.py).
customer_erasure = erasure_table(metadata, SCHEMA)


class Base(DeclarativeBase):
    metadata = metadata


class JourneyMapVersion(Base):
    """One version of the journey map; the highest version is the current map."""

    __tablename__ = "journey_map_version"
    __table_args__ = (CheckConstraint("version >= 1", name="journey_map_version_positive"),)

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The validated map with its defaults filled in, as its JSON form.
    document: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # SHA-256 of the canonical JSON of ``document``. Not unique: reverting to an earlier
    # map makes a new version with that earlier checksum.
    checksum: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text)
