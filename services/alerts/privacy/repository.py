"""Every query that erases a customer from the alerts schema or purges old rows there."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, delete, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.models import alert, alert_change, alert_moment, customer_lxi
from services.alerts.webhooks.models import DeliveryStatus, WebhookDelivery
from services.alerts.webhooks.schemas import DIGEST_TYPE


def _count(result: Any) -> int:
    return int(result.rowcount)


def _names(customer_id: str) -> ColumnElement[bool]:
    """A single delivery (an event's payload) of ``customer_id``."""
    named: ColumnElement[bool] = (
        WebhookDelivery.payload["data"]["customer_id"].astext == customer_id
    )
    return named


def _digest_names(customer_id: str) -> ColumnElement[bool]:
    """A digest with an alert of ``customer_id``."""
    entry = func.jsonb_build_array(
        func.jsonb_build_object("data", func.jsonb_build_object("customer_id", customer_id))
    )
    return and_(
        WebhookDelivery.event_type == DIGEST_TYPE,
        WebhookDelivery.payload["data"]["alerts"].op("@>")(entry.cast(JSONB)),
    )


class PrivacyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def delete_where(self, table: Table, condition: ColumnElement[bool]) -> int:
        return _count(await self.session.execute(delete(table).where(condition)))

    async def alert_ids(self, customer_id: str) -> list[str]:
        query = select(alert.c.id).where(alert.c.customer_id == customer_id)
        return list((await self.session.execute(query)).scalars())

    async def erase_rules(self, customer_id: str) -> dict[str, int]:
        """The customer's alerts with their moments and changes, its moments in committee
        alerts, and its LXI steps."""
        ids = await self.alert_ids(customer_id)
        mine = alert_moment.c.customer_id == customer_id
        return {
            "alert_change": await self.delete_where(alert_change, alert_change.c.alert_id.in_(ids)),
            "alert_moment": await self.delete_where(
                alert_moment, or_(alert_moment.c.alert_id.in_(ids), mine)
            ),
            "alert": await self.delete_where(alert, alert.c.customer_id == customer_id),
            "customer_lxi": await self.delete_where(
                customer_lxi, customer_lxi.c.customer_id == customer_id
            ),
        }

    async def lock_pending_deliveries(self, customer_id: str, now: datetime) -> int:
        """Lock the pending deliveries that name ``customer_id`` (digests included) until
        the transaction ends, so no worker claims them; return how many of them a worker
        is sending now (claimed, lease running), which the lock cannot stop."""
        query = (
            select(WebhookDelivery.lease_token, WebhookDelivery.next_attempt_at)
            .where(
                or_(_names(customer_id), _digest_names(customer_id)),
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
            )
            .with_for_update()
        )
        rows = (await self.session.execute(query)).all()
        return sum(1 for token, due in rows if token is not None and due is not None and due > now)

    async def delete_pending_deliveries(self, customer_id: str) -> int:
        stmt = delete(WebhookDelivery).where(
            _names(customer_id), WebhookDelivery.status == DeliveryStatus.PENDING.value
        )
        return _count(await self.session.execute(stmt))

    async def blank_sent_deliveries(self, customer_id: str) -> int:
        """Keep the delivery log's rows, without the payload that named the customer."""
        blank = func.jsonb_build_object(
            "type", WebhookDelivery.payload["type"], "erased", literal(True)
        )
        stmt = (
            update(WebhookDelivery)
            .where(_names(customer_id), WebhookDelivery.status != DeliveryStatus.PENDING.value)
            .values(payload=blank)
        )
        return _count(await self.session.execute(stmt))

    async def digests_naming(self, customer_id: str) -> Sequence[WebhookDelivery]:
        query = select(WebhookDelivery).where(_digest_names(customer_id)).with_for_update()
        return (await self.session.scalars(query)).all()

    async def set_payload(self, delivery_id: uuid.UUID, payload: dict[str, Any]) -> None:
        stmt = (
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(payload=payload)
        )
        await self.session.execute(stmt)
