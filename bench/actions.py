"""The actions service as the sections start it: on consumer groups of its own, moved past
what earlier sections put on its topics, so another section's backlog is never the load a
section measures (the scoring sections alone put hundreds of thousands of moments there)."""

from __future__ import annotations

import asyncio
from unittest.mock import Mock

from bench.consumers import skip_to_end
from bench.context import Bench
from bench.infra import Service
from services.actions.config import ActionsSettings
from services.actions.consumers import consumer_specs


async def actions_service(bench: Bench) -> Service:
    """Actions, started on new consumer groups at the end of their topics unless it runs:
    the embedded broker keeps a stopped process's members in their groups a while and
    refuses other commits meanwhile, hence new groups at each start."""
    if not bench.running("actions"):
        bench.actions_starts += 1
        prefix = _prefix(bench)
        await asyncio.gather(
            *(skip_to_end(bench.settings, prefix + group, topics) for group, topics in _groups())
        )
    return await bench.service("actions", {"KAFKA_GROUP_PREFIX": _prefix(bench)})


def _prefix(bench: Bench) -> str:
    return f"bench-{bench.run_id}-actions-{bench.actions_starts}-"


def _groups() -> list[tuple[str, list[str]]]:
    """Each consumer group of actions with its topics, from its registry (the handlers'
    dependencies are stand-ins: nothing here runs them)."""
    specs = consumer_specs(ActionsSettings(), Mock(), Mock())
    return [(spec.group, [topic.name for topic in spec.topics]) for spec in specs]
