"""The AsyncAPI 3.0 document of cxloop's topics, generated from the event models.

One channel per topic of :data:`~shared.events.topics.ALL_TOPICS`, one message per event
type (its CloudEvents ``ce_*`` headers, its key and the JSON Schema of its payload from the
pydantic model). ``cxloop asyncapi`` prints it; ``docs/asyncapi.yaml`` is that output,
committed, and a test fails when the two differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import yaml
from pydantic.json_schema import models_json_schema

from shared.events import topics
from shared.events.envelope import CONTENT_TYPE, EVENT_MODELS
from shared.events.schemas import Event
from shared.events.topics import Topic

KAFKA_BINDING = "0.5.0"
SCHEMA_REF = "#/components/schemas/{model}"
CUSTOMER_KEY = "The customer id: one customer's events stay in order on one partition."


@dataclass(frozen=True)
class ChannelText:
    """What the models cannot say about a topic: its purpose and its key."""

    description: str
    key: str = CUSTOMER_KEY


# By topic name (a Topic holds a dict, so it cannot be a key).
CHANNELS: dict[str, ChannelText] = {
    topics.INTERACTIONS.name: ChannelText(
        "What each customer lived at a touchpoint, as ingest accepted it (raw events: kept "
        "KAFKA_RAW_EVENT_RETENTION_HOURS)."
    ),
    topics.SURVEY_RESPONSES.name: ChannelText(
        "Survey answers (NPS, CSAT, CES, expectation, redacted verbatim), as ingest accepted "
        "them (raw events: kept KAFKA_RAW_EVENT_RETENTION_HOURS)."
    ),
    topics.CUSTOMERS.name: ChannelText(
        "Customer profiles, compacted: the newest per customer. A null value (tombstone) is "
        "an erased customer's profile going away."
    ),
    topics.MOMENTS.name: ChannelText(
        "One evaluated signal per event scored: valence, polarity, LXI before and after "
        "(raw events: kept KAFKA_RAW_EVENT_RETENTION_HOURS)."
    ),
    topics.ALERTS.name: ChannelText(
        "Every change of an alert: raised, occurrence, recovered.",
        key="The customer id, or touchpoint:<id> for a committee (systemic) alert.",
    ),
    topics.TASK_EVENTS.name: ChannelText(
        "Every change of a corrective task (the audit trail's events) and the survey "
        "invitations the contact policy allowed."
    ),
    topics.JOURNEY_MAP.name: ChannelText(
        "Each published version of the journey map, compacted: the last one is current.",
        key="journey-map (one key: compaction keeps the current version).",
    ),
    topics.DEADLETTER.name: ChannelText(
        "Records a consumer could not apply, as they came, with where from and why.",
        key="The original record's key.",
    ),
    topics.PRIVACY.name: ChannelText(
        "Erasure requests and each service's confirmation (right to erasure)."
    ),
}


def document() -> dict[str, Any]:
    """The AsyncAPI document as plain data (JSON-compatible, keys in a stable order)."""
    models = _models_by_topic()
    payloads = _payload_schemas([model for group in models.values() for model in group])
    channels, operations, messages = {}, {}, {}
    for topic in topics.ALL_TOPICS:
        channel_id = _channel_id(topic)
        topic_messages = {m.__name__: _event_message(m, topic) for m in models.get(topic.name, [])}
        topic_messages.update(_extra_messages(topic))
        messages.update(topic_messages)
        channels[channel_id] = _channel(topic, list(topic_messages))
        operations[f"receive-{channel_id}"] = _operation(channel_id, list(topic_messages))
    return {
        "asyncapi": "3.0.0",
        "info": _info(),
        "defaultContentType": CONTENT_TYPE,
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": payloads},
    }


def render() -> str:
    """The document as YAML, byte for byte what ``docs/asyncapi.yaml`` holds."""
    return yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)


def _models_by_topic() -> dict[str, list[type[Event]]]:
    grouped: dict[str, list[type[Event]]] = {}
    for model in EVENT_MODELS.values():
        grouped.setdefault(model.topic.name, []).append(model)
    return grouped


def _payload_schemas(models: list[type[Event]]) -> dict[str, Any]:
    _, schema = models_json_schema([(m, "validation") for m in models], ref_template=SCHEMA_REF)
    definitions: dict[str, Any] = schema["$defs"]
    return dict(sorted(definitions.items()))


def _channel_id(topic: Topic) -> str:
    return topic.name.removeprefix("cx.")


def _info() -> dict[str, Any]:
    return {
        "title": "cxloop events",
        "version": version("cxloop"),
        "description": (
            "The Kafka topics of cxloop. Every record is a CloudEvents 1.0 event in Kafka "
            "binary mode: attributes as ce_* headers, the payload as JSON in the value, times "
            "in UTC. Consumers de-duplicate on ce_id (the event id). Generated from the "
            "event models by `cxloop asyncapi`; see docs/events.md."
        ),
        "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
    }


def _channel(topic: Topic, message_ids: list[str]) -> dict[str, Any]:
    configuration: dict[str, Any] = {"cleanup.policy": ["compact" if topic.compacted else "delete"]}
    kafka: dict[str, Any] = {"topic": topic.name}
    if topic.partitions is not None:
        kafka["partitions"] = topic.partitions
    kafka |= {"topicConfiguration": configuration, "bindingVersion": KAFKA_BINDING}
    return {
        "address": topic.name,
        "title": topic.name,
        "description": CHANNELS[topic.name].description,
        "messages": {m: {"$ref": f"#/components/messages/{m}"} for m in message_ids},
        "bindings": {"kafka": kafka},
    }


def _operation(channel_id: str, message_ids: list[str]) -> dict[str, Any]:
    return {
        "action": "receive",
        "title": f"Consume cx.{channel_id}",
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{m}"} for m in message_ids],
    }


def _event_message(model: type[Event], topic: Topic) -> dict[str, Any]:
    return {
        "name": model.ce_type,
        "title": model.__name__,
        "summary": _summary(model),
        "contentType": CONTENT_TYPE,
        "headers": _cloudevent_headers(model.ce_type),
        "payload": {"$ref": SCHEMA_REF.format(model=model.__name__)},
        "bindings": _key_binding(CHANNELS[topic.name].key),
    }


def _summary(model: type[Event]) -> str:
    doc = (model.__doc__ or model.__name__).strip()
    return " ".join(doc.split("\n\n")[0].split())


def _cloudevent_headers(ce_type: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ce_specversion": {"type": "string", "const": "1.0"},
        "ce_id": _text("The event id (event_id): consumers de-duplicate on it."),
        "ce_source": _text("The publishing service: /cxloop/<service>.", pattern="^/cxloop/"),
        "ce_type": {"type": "string", "const": ce_type},
        "ce_subject": _text("The customer id (customer_id): the record's key."),
        "ce_time": _text("When the event happened, UTC (RFC 3339).", format="date-time"),
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "ce_partitionkey": _text("The key again (CloudEvents partitioning extension)."),
    }
    return {"type": "object", "required": list(properties), "properties": properties}


def _text(description: str, **constraints: str) -> dict[str, Any]:
    return {"type": "string", **constraints, "description": description}


def _key_binding(description: str) -> dict[str, Any]:
    key = {"type": "string", "description": description}
    return {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING}}


def _extra_messages(topic: Topic) -> dict[str, Any]:
    """Records that are not events of a model: tombstones and dead letters."""
    if topic == topics.CUSTOMERS:
        return {"CustomerTombstone": _tombstone()}
    if topic == topics.DEADLETTER:
        return {"DeadLetter": _dead_letter()}
    return {}


def _tombstone() -> dict[str, Any]:
    return {
        "name": "tombstone",
        "title": "CustomerTombstone",
        "summary": "A null value for an erased customer's key: compaction drops the profile. "
        "Consumers skip it.",
        "payload": {"type": "null"},
        "bindings": _key_binding(CUSTOMER_KEY),
    }


def _dead_letter() -> dict[str, Any]:
    dlq = {
        "dlq_reason": _text("Why it could not be applied."),
        "dlq_consumer": _text("The consumer that parked it."),
        "dlq_topic": _text("The topic it was read from."),
        "dlq_partition": _text("Its partition there (decimal).", pattern="^[0-9]+$"),
        "dlq_offset": _text("Its offset there (decimal).", pattern="^[0-9]+$"),
        "dlq_value_bytes": _text(
            "Present when the value was cut to 512 KiB: its original size.", pattern="^[0-9]+$"
        ),
    }
    return {
        "name": "dead-letter",
        "title": "DeadLetter",
        "summary": "A record a consumer could not apply, parked unchanged (value cut to "
        "512 KiB), its own headers kept, plus where it came from and why.",
        "headers": {"type": "object", "required": list(dlq)[:-1], "properties": dlq},
        "payload": {"description": "The original value, as it came (bytes, possibly not JSON)."},
        "bindings": _key_binding(CHANNELS[topics.DEADLETTER.name].key),
    }
