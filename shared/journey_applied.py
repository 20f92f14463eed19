"""``GET /v1/journey-map/applied``: which journey map version this service applies.

After ``PUT /v1/journey-map`` a client polls this on every service that follows the map
(scoring, alerts, actions) until each shows the version it stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from shared.auth import Principal, require
from shared.kafka.journey_watch import JourneyMapHolder
from shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix="/v1/journey-map", tags=["journey map"])


class JourneyMapApplied(BaseModel):
    service: str
    version: int = Field(ge=0, description="The version in force here; 0 before any arrived.")
    applied_at: datetime | None = Field(
        description="When this process started to apply it; null before any arrived."
    )


@router.get("/applied", responses=PROBLEM_RESPONSES)
async def get_applied_journey_map(
    request: Request, _: Annotated[Principal, Depends(require("ops:read"))]
) -> JourneyMapApplied:
    """The journey map version this process applies to the events it handles from now on."""
    holder: JourneyMapHolder = request.app.state.journey
    return JourneyMapApplied(
        service=request.app.state.settings.service_name,
        version=holder.version,
        applied_at=holder.applied_at,
    )
