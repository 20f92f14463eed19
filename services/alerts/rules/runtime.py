"""What the rules part of alerts runs for the life of the service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.alerts.config import AlertsSettings
from services.alerts.rules.closing import closing_spec
from services.alerts.rules.service import RulesService
from shared.events.topics import MOMENTS
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import ConsumerSpec
from shared.runtime import Resources


@asynccontextmanager
async def started(
    app: FastAPI, settings: AlertsSettings, resources: Resources, journey: JourneyMapHolder
) -> AsyncIterator[list[ConsumerSpec]]:
    """Start background work; yield the consumers to run; stop it all on exit."""
    rules = RulesService(settings, journey)
    yield [
        ConsumerSpec(
            name="rules",
            topics=(MOMENTS,),
            group="alerts-rules",
            handler=rules.apply,
            max_batch=settings.rules_consumer_batch,
        ),
        closing_spec(),
    ]
