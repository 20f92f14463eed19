"""The topic gate: no event is acknowledged until the topics cxloop writes exist as
configured, at start and again after every broker loss.

A broker that loses its topics (the embedded one keeps them in memory) must not have them
created by whoever writes first: a topic created on the fly gets the broker's defaults, and
records acknowledged while creators race can vanish. So cxloop's clients never ask for
automatic creation (:func:`forbid_auto_creation`), and a producer publishes only while its
:class:`TopicGate` is open.
"""

from __future__ import annotations

import aiokafka.admin.client
import aiokafka.client
import structlog
from aiokafka.errors import KafkaError
from aiokafka.protocol.metadata import MetadataRequest

from shared.config import ServiceSettings
from shared.events.topics import ALL_TOPICS, Topic
from shared.kafka.admin import ensure_topics

log = structlog.get_logger(__name__)


class TopicsNotReady(RuntimeError):
    """The topics are not verified since the broker was last lost; nothing may be accepted."""


class _WithoutAutoCreation(MetadataRequest):  # type: ignore[misc]
    def __init__(
        self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False
    ) -> None:
        super().__init__(topics, allow_auto_topic_creation)


def forbid_auto_creation() -> None:
    """Make every aiokafka client of this process send its metadata requests with
    ``allow_auto_topic_creation`` false (aiokafka sends true and has no setting for it):
    producing to, or subscribing to, a missing topic then fails or waits instead of
    creating it with the broker's defaults. Idempotent."""
    aiokafka.client.MetadataRequest = _WithoutAutoCreation
    aiokafka.admin.client.MetadataRequest = _WithoutAutoCreation


class TopicGate:
    """Open once every topic of ``topics`` exists with at least its configured partitions.

    :meth:`check` runs at start and every few seconds (``KAFKA_TOPIC_CHECK_SECONDS``); it
    creates the missing topics as configured (a topic with too few partitions keeps the gate
    closed: only an operator may fix it). :meth:`close` is called when a publication fails:
    a broker loss shows there first, and nothing more is acknowledged until a check passes.
    """

    def __init__(
        self,
        client: aiokafka.client.AIOKafkaClient,
        settings: ServiceSettings,
        topics: tuple[Topic, ...] = ALL_TOPICS,
    ) -> None:
        self._client = client
        self._settings = settings
        self._topics = topics
        self.reason: str | None = "topics not checked yet"

    @property
    def open(self) -> bool:
        return self.reason is None

    def close(self, reason: str) -> None:
        if self.open:
            log.warning("topic gate closed until the topics are checked again", reason=reason)
        self.reason = reason[:300]

    async def require(self) -> None:
        """The readiness check. :raises TopicsNotReady: while the gate is closed."""
        if self.reason is not None:
            raise TopicsNotReady(self.reason)

    async def check(self) -> None:
        """Verify the topics (creating the missing ones); open the gate or say why not."""
        try:
            problems = await self._problems()
            if any(problem.endswith("missing") for problem in problems):
                await ensure_topics(self._settings, self._topics, wait=0)
                problems = await self._problems()
        except (KafkaError, OSError, RuntimeError) as exc:
            problems = [f"broker: {type(exc).__name__}: {exc}"]
        if problems:
            self.close("; ".join(problems))
        elif self.reason is not None:
            log.info("topic gate open: every topic exists as configured")
            self.reason = None

    async def _problems(self) -> list[str]:
        metadata = await self._client.fetch_all_metadata()
        problems = []
        for topic in self._topics:
            wanted = topic.partitions or self._settings.kafka_default_partitions
            found = metadata.partitions_for_topic(topic.name)
            if found is None:
                problems.append(f"{topic.name}: missing")
            elif len(found) < wanted:
                problems.append(f"{topic.name}: {len(found)} partitions, {wanted} configured")
        return problems
