"""Every query that erases a customer from the alerts schema or purges old rows there."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, literal, or_, select, update
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
        entry = func.jsonb_build_array(
            func.jsonb_build_object("data", func.jsonb_build_object("customer_id", customer_id))
        )
        query = (
            select(WebhookDelivery)
            .where(
                WebhookDelivery.event_type == DIGEST_TYPE,
                WebhookDelivery.payload["data"]["alerts"].op("@>")(entry.cast(JSONB)),
            )
            .with_for_update()
        )
        return (await self.session.scalars(query)).all()

    async def set_payload(self, delivery_id: uuid.UUID, payload: dict[str, Any]) -> None:
        stmt = (
            update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(payload=payload)
        )
        await self.session.execute(stmt)
