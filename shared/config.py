"""Settings shared by every service, read from the environment in one place.

Each service subclasses :class:`ServiceSettings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, TypeAdapter, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiKey(BaseModel):
    """One API key as configured: its SHA-256, never the key itself."""

    name: str = Field(min_length=1, max_length=64)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: frozenset[str]
    department: str | None = None


_API_KEY_LIST = TypeAdapter(tuple[ApiKey, ...])


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service_name: str = "cxloop"
    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    log_json: bool = True

    database_url: SecretStr | None = None
    db_pool_size: int = Field(default=10, ge=1)
    # PostgreSQL's plan_cache_mode for this service's connections. Prepared statements
    # switch to a generic plan after five runs, planned without the parameters' values: a
    # lookup by an array of ids planned while a table was young keeps scanning it whole once
    # it has grown. Custom plans cost a fraction of a millisecond per statement.
    db_plan_cache_mode: Literal["auto", "force_custom_plan", "force_generic_plan"] = (
        "force_custom_plan"
    )

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Apache Kafka supports the idempotent producer; the embedded broker does not,
    # so the embedded launcher turns this off.
    kafka_enable_idempotence: bool = True
    kafka_request_timeout_ms: int = Field(default=5000, ge=1000)
    kafka_linger_ms: int = Field(default=0, ge=0)
    kafka_default_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    # retention.ms of the raw-event topics (interactions, survey responses, moments) when
    # they are created: an erased customer's records there are gone after this long.
    kafka_raw_event_retention_hours: float = Field(default=7 * 24, gt=0)
    # How long the broker may hold a fetch that found nothing. It bounds each consumer hop's
    # latency on the embedded broker: with aiokafka's 500 ms a record waited ~115 ms (median)
    # to be fetched there, with 50 ms ~9 ms. Apache Kafka answers as soon as a record comes.
    kafka_fetch_max_wait_ms: int = Field(default=50, ge=1)
    # A consumer that vanishes (kill -9) keeps its partitions this long before a rebalance.
    kafka_session_timeout_ms: int = Field(default=10_000, ge=1000)
    # Put before every consumer group's name ("staging-" makes "staging-scoring"): two
    # deployments sharing one Kafka cluster keep their groups apart, and a new prefix makes
    # new groups, which start from the earliest records still on the topics.
    kafka_group_prefix: str = Field(default="", max_length=64, pattern=r"^[A-Za-z0-9._-]*$")
    # The dead-letter limit of every consumer (as Arroyo's DlqLimit): when more than this
    # share of the last DEAD_LETTER_LIMIT_WINDOW records it read would go to cx.deadletter
    # (an upstream schema bug, a consumer that refuses a new kind of event), the consumer
    # stops without committing, /healthz names it, and it stays stopped until its process
    # restarts: fix the cause (or raise the share; 1 turns the limit off), then restart.
    dead_letter_limit_share: float = Field(default=0.5, gt=0, le=1)
    dead_letter_limit_window: int = Field(default=1000, ge=1)
    # How often a service checks that the topics it writes exist as configured (creating
    # the missing ones). Until a check passes, at start and after a failed publication, it
    # acknowledges nothing: ingest answers 503 with Retry-After, relays and consumers retry.
    kafka_topic_check_seconds: float = Field(default=1.0, gt=0)
    # How long a starting service waits for the broker and the database to answer.
    startup_wait_seconds: float = Field(default=60, ge=0)

    # Who may read /metrics: anyone who reaches the port, like /healthz ("open"), only an
    # API key holding metrics:read ("key"), or nobody ("off": no endpoint, no HTTP timing).
    # The metrics carry no personal data; "key" keeps a public port's internals private.
    metrics_access: Literal["open", "key", "off"] = "open"
    # How often gauges counted in the database (pending webhook deliveries…) are refreshed.
    metrics_sample_seconds: float = Field(default=15, gt=0)

    # Once started, move every object alive (the imported app: ~100k long-lived objects) out
    # of the garbage collector's reach (gc.freeze): otherwise every full collection walks
    # them all, 60-90 ms on a small machine, and shows up as tail latency.
    freeze_startup_heap: bool = True
    # The collector's youngest generation is collected every this many container objects
    # allocated and still alive (gc.set_threshold's first value); None keeps Python's 700.
    # A request that holds thousands of objects (a 1,000-item batch) otherwise sets off a
    # dozen collections, each walking what the requests in flight hold.
    gc_young_threshold: int | None = Field(default=None, ge=100)

    # JSON list of {"name", "sha256", "scopes", "department"?}; see `cxloop keys`.
    api_keys: Annotated[tuple[ApiKey, ...], NoDecode] = ()
    # Signs the lists' cursors (shared/cursor.py): the same for every process that serves
    # them, kept across restarts (docs/operations.md, Cursors). Empty is unset.
    cursor_key: SecretStr | None = Field(default=None, min_length=32)
    # The key before CURSOR_KEY, while it is being rotated: the cursors it signed are still
    # read, none is signed with it. Empty is unset.
    cursor_key_previous: SecretStr | None = Field(default=None, min_length=32)

    @field_validator("cursor_key", "cursor_key_previous", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return _API_KEY_LIST.validate_json(value or "[]")
        return value
