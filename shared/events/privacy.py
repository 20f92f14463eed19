"""Events of the right to erasure, on ``cx.privacy`` (keyed by the customer's id).

The actions service publishes :class:`CustomerErasureRequested`; every service that holds
customer data erases the customer and answers with :class:`CustomerErased`. Neither is
sent to referents as a webhook (no ``webhook_type``).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field

from shared.events import topics
from shared.events.schemas import Event
from shared.events.values import UtcDatetime


class CustomerErasureRequested(Event):
    """Erase ``customer_id`` everywhere. ``event_id`` is ``erasure:<erasure id>``."""

    ce_type: ClassVar[str] = "cxloop.customer.erasure-requested"
    topic: ClassVar[topics.Topic] = topics.PRIVACY

    erasure_id: str = Field(min_length=1, max_length=64)
    requested_at: UtcDatetime
    requested_by: str | None = Field(default=None, max_length=200)

    @property
    def occurred(self) -> datetime:
        return self.requested_at


class CustomerErased(Event):
    """One service erased the customer: what it removed, table by table (row counts).

    ``event_id`` is ``erased:<erasure id>:<service>``: a confirmation published again after
    a crash has the same id.
    """

    ce_type: ClassVar[str] = "cxloop.customer.erased"
    topic: ClassVar[topics.Topic] = topics.PRIVACY

    erasure_id: str = Field(min_length=1, max_length=64)
    service: str = Field(min_length=1, max_length=64)
    erased: dict[str, int] = Field(default_factory=dict)
    erased_at: UtcDatetime

    @property
    def occurred(self) -> datetime:
        return self.erased_at
