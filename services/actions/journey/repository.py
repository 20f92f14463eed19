"""Every query on journey-map versions."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from services.actions.models import JourneyMapVersion

LOCK_KEY = zlib.crc32(b"actions.journey_map_version")
_HEAD = (
    JourneyMapVersion.version,
    JourneyMapVersion.checksum,
    JourneyMapVersion.created_at,
    JourneyMapVersion.created_by,
)


class JourneyMapRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock(self) -> None:
        """Hold the journey map's lock until the transaction ends.

        Whoever adds or publishes a version takes it, so versions are numbered without
        gaps or clashes and reach the topic in increasing order, across replicas too.
        """
        await self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})

    async def current(self) -> JourneyMapVersion | None:
        stmt = select(JourneyMapVersion).order_by(JourneyMapVersion.version.desc()).limit(1)
        return await self._session.scalar(stmt)

    async def head(self, version: int | None = None) -> Row[int, str, datetime, str] | None:
        """Version ``version`` (by default the current one) without its document: its
        version, checksum, created_at and created_by."""
        stmt = select(*_HEAD)
        if version is None:
            stmt = stmt.order_by(JourneyMapVersion.version.desc()).limit(1)
        else:
            stmt = stmt.where(JourneyMapVersion.version == version)
        return (await self._session.execute(stmt)).first()

    async def get(self, version: int) -> JourneyMapVersion | None:
        return await self._session.get(JourneyMapVersion, version)

    async def newest_first(self, limit: int) -> Sequence[JourneyMapVersion]:
        """Versions without their documents, the newest first."""
        stmt = (
            select(JourneyMapVersion)
            .options(defer(JourneyMapVersion.document, raiseload=True))
            .order_by(JourneyMapVersion.version.desc())
            .limit(limit)
        )
        return (await self._session.scalars(stmt)).all()

    async def add(self, version: JourneyMapVersion) -> JourneyMapVersion:
        self._session.add(version)
        await self._session.flush()
        return version
