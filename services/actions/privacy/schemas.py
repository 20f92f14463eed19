from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class ErasureStatus(StrEnum):
    PENDING = "pending"  # some services have not confirmed yet
    COMPLETED = "completed"


class ServiceReceipt(BaseModel):
    erased: dict[str, int] = Field(description="Rows erased (or pseudonymised) per table.")
    erased_at: datetime


class ErasureRead(BaseModel):
    """The receipt of an erasure, complete once every service has confirmed."""

    erasure_id: str
    customer_id: str
    status: ErasureStatus
    requested_at: datetime
    requested_by: str
    completed_at: datetime | None
    services: dict[str, ServiceReceipt]
    pending_services: list[str]
