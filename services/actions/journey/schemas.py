"""Response bodies of the journey-map API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shared.journey import JourneyMap


class JourneyMapVersionSummary(BaseModel):
    version: int = Field(ge=1)
    checksum: str = Field(description="SHA-256 of the map's canonical JSON, in hexadecimal.")
    created_at: datetime
    created_by: str = Field(description="The API key, or the command, that stored it.")


class JourneyMapVersionRead(JourneyMapVersionSummary):
    map: JourneyMap
