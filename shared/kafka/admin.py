"""Topic creation, idempotent: what exists is left as it is.

Settings apply at creation only: a topic created earlier keeps its configuration (change
it with the broker's tools, e.g. ``kafka-configs --alter``).
"""

from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from shared.config import ServiceSettings
from shared.events.topics import ALL_TOPICS, Topic


def _new_topic(topic: Topic, settings: ServiceSettings) -> NewTopic:
    configs = dict(topic.configs)
    if topic.compacted:
        configs.setdefault("cleanup.policy", "compact")
    if topic.raw_events:
        retention_ms = int(settings.kafka_raw_event_retention_hours * 3_600_000)
        configs.setdefault("retention.ms", str(retention_ms))
    return NewTopic(
        topic.name,
        num_partitions=topic.partitions or settings.kafka_default_partitions,
        replication_factor=settings.kafka_replication_factor,
        topic_configs=configs,
    )


async def ensure_topics(
    settings: ServiceSettings, topics: tuple[Topic, ...] = ALL_TOPICS, wait: float = 30.0
) -> list[str]:
    """Create the missing topics; return the names created.

    Retries the connection for up to ``wait`` seconds, so it can run while the broker starts.
    """
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers, client_id="cxloop-admin"
    )
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        try:
            await admin.start()
            break
        except KafkaConnectionError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.2)
    try:
        existing = set(await admin.list_topics())
        missing = [_new_topic(t, settings) for t in topics if t.name not in existing]
        if missing:
            response = await admin.create_topics(missing)
            failed = [
                f"{name}: {message or code}"
                for name, code, message in response.topic_errors
                if code not in (0, TopicAlreadyExistsError.errno)  # a racing creator is fine
            ]
            if failed:
                raise RuntimeError("topic creation failed: " + "; ".join(failed))
        return [t.name for t in missing]
    finally:
        await admin.close()
