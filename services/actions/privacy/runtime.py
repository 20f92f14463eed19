"""What the privacy part of actions runs: the relay of erasure requests, the consumers of
requests (actions erases its own data like every service) and of confirmations, and the
retention purge."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.actions.models import customer_erasure
from services.actions.privacy import retention
from services.actions.privacy.config import PrivacySettings
from services.actions.privacy.erasure import erase_customer
from services.actions.privacy.receipts import ReceiptRecorder
from services.actions.privacy.requests import ErasureRelay
from shared.erasure import ErasureConsumer
from shared.kafka.runner import ConsumerSpec
from shared.retention import Retention
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: PrivacySettings, resources: Resources
) -> AsyncIterator[list[ConsumerSpec]]:
    assert resources.sessions is not None, "privacy needs the database"
    relay = ErasureRelay(settings, resources.sessions, resources.publisher)
    app.state.erasure_relay = relay
    app.state.retention = Retention(
        resources.sessions,
        retention.purges(settings),
        interval=settings.retention_interval_seconds,
        batch=settings.retention_batch,
    )
    async with relay.running(), app.state.retention.running():
        yield [
            ErasureConsumer("actions", customer_erasure, erase_customer).spec("actions-privacy"),
            ReceiptRecorder(settings).spec(),
        ]
