"""The journey map: reading a document, validating it, versioning it, publishing it.

These functions only flush. Whoever holds the session commits (the request dependency, or
the command that loads a file) and publishes the current version after the commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.journey.repository import JourneyMapRepository
from services.actions.journey.schemas import JourneyMapVersionRead, JourneyMapVersionSummary
from services.actions.models import JourneyMapVersion
from shared.journey import JourneyMap, JourneyMapPublished
from shared.journey_ids import refused_map_errors
from shared.kafka.producer import EventPublisher
from shared.nesting import TOO_DEEP, TooDeep, json_too_deep, yaml_depth
from shared.problems import ProblemError, field_errors

JSON_TYPES = frozenset({"application/json"})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml"})
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Saved:
    version: JourneyMapVersion
    created: bool


def read_journey_map(body: bytes, media_type: str) -> JourneyMap:
    """Parse a JSON or YAML document and validate it as a whole journey map.

    :raises ProblemError: 415 for another media type, 400 when the body does not parse,
        422 when it nests too deeply, 422 naming every invalid field.
    """
    return validate_map(parse_document(body, media_type))


def parse_document(body: bytes, media_type: str) -> Any:
    try:
        if media_type in JSON_TYPES:
            if json_too_deep(body):
                raise TooDeep(TOO_DEEP)
            return json.loads(body, parse_constant=_refuse_constant)
        if media_type in YAML_TYPES:
            return _load_yaml(body)
    except TooDeep as exc:
        raise ProblemError(422, "Invalid journey map", str(exc)[:1000]) from exc
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        kind = "JSON" if media_type in JSON_TYPES else "YAML"
        raise ProblemError(400, f"Unreadable {kind}", str(exc)[:1000]) from exc
    supported = ", ".join(sorted(JSON_TYPES | YAML_TYPES))
    raise ProblemError(415, "Unsupported media type", f"send the map as one of: {supported}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _load_yaml(body: bytes) -> Any:
    """``safe_load``, refusing aliases (a small document must not expand into a huge one)
    and deep nesting (the loader recurses), both seen in the parser's events first."""
    try:
        for event in yaml_depth(yaml.parse(body, Loader=_YAML_LOADER)):
            if isinstance(event, yaml.AliasEvent):
                anchor = event.anchor
                raise ValueError(f"YAML aliases (*{anchor}) are not supported{event.start_mark}")
    except yaml.YAMLError as exc:
        # libyaml's scanner reads ahead of the events and stops at its own depth bound
        if "maximum nesting depth" in str(exc):
            raise TooDeep(f"{TOO_DEEP}: {exc}") from exc
        raise
    return yaml.load(body, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader


def validate_map(document: Any) -> JourneyMap:
    try:
        return JourneyMap.model_validate(document)
    except ValidationError as exc:
        errors = field_errors(refused_map_errors(document, exc))
        raise ProblemError(422, "Invalid journey map", f"{len(errors)} error(s)", errors) from exc


def checksum_of(document: dict[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def save_version(
    session: AsyncSession, journey_map: JourneyMap, created_by: str, *, keep_current: bool = False
) -> Saved:
    """Store ``journey_map`` as the next version, unless it is the current map already.

    With ``keep_current``, an existing current version is left as it is whatever it holds.
    """
    repository = JourneyMapRepository(session)
    await repository.lock()
    current = await repository.current()
    document = journey_map.model_dump(mode="json")
    checksum = checksum_of(document)
    if current is not None and (keep_current or checksum in _checksums(current)):
        return Saved(current, created=False)
    version = JourneyMapVersion(
        version=current.version + 1 if current else 1,
        document=document,
        checksum=checksum,
        created_by=created_by,
    )
    return Saved(await repository.add(version), created=True)


def _checksums(version: JourneyMapVersion) -> set[str]:
    """The checksums the map of ``version`` has: as stored, and as read by today's model,
    which gives a field added since then its default (the same map sent again after an
    upgrade is no new version)."""
    found = {version.checksum}
    try:
        today = JourneyMap.model_validate(version.document).model_dump(mode="json")
    except ValidationError:
        return found  # no longer valid as it stands: whatever is sent differs from it
    return found | {checksum_of(today)}


async def publish_current(session: AsyncSession, publisher: EventPublisher) -> int | None:
    """Publish the current version, if any, and return its number.

    Holds the journey map's lock until the broker acknowledges, so a version never reaches
    the topic after a newer one.

    :raises BrokerUnavailable: when the broker does not acknowledge in time.
    """
    repository = JourneyMapRepository(session)
    await repository.lock()
    current = await repository.current()
    if current is None:
        return None
    await publisher.publish(published_event(current))
    return current.version


def published_event(version: JourneyMapVersion) -> JourneyMapPublished:
    """The event of a version; publishing it again sends the very same event."""
    return JourneyMapPublished(
        event_id=f"journey-map-v{version.version}",
        customer_id=JourneyMapPublished.KEY,
        version=version.version,
        published_at=version.created_at,
        map=JourneyMap.model_validate(version.document),
    )


async def get_version(session: AsyncSession, number: int | None = None) -> bytes:
    """The current version, or version ``number``, as the JSON of a
    :class:`JourneyMapVersionRead`.

    A stored version never changes: its body is encoded once per process, and kept under
    everything it is made of (its number, checksum, creation time and author; the checksum
    stands for the document). Each read still asks the database which version is current
    and what it holds, so a new version, or another database, is never answered from an
    earlier one.

    :raises ProblemError: 404 when there is no such version.
    """
    repository = JourneyMapRepository(session)
    head = await repository.head(number)
    body = _ENCODED.get(tuple(head)) if head is not None else None
    if body is None:
        version = await repository.get(head.version) if head is not None else None
        if version is None:
            detail = "no journey map is stored yet" if number is None else f"no version {number}"
            raise ProblemError(404, "Not found", detail)
        body = _remember(version)
    return body


def _remember(version: JourneyMapVersion) -> bytes:
    """The version's body, kept under the values it is made of."""
    key = (version.version, version.checksum, version.created_at, version.created_by)
    if len(_ENCODED) >= _VALIDATED_MAX:
        _ENCODED.clear()
    # as FastAPI encodes a JourneyMapVersionRead it is given (by alias)
    body = _ENCODED[key] = to_read(version).model_dump_json(by_alias=True).encode()
    return body


async def list_versions(session: AsyncSession, limit: int) -> list[JourneyMapVersionSummary]:
    versions = await JourneyMapRepository(session).newest_first(limit)
    return [JourneyMapVersionSummary.model_validate(v, from_attributes=True) for v in versions]


def to_read(version: JourneyMapVersion) -> JourneyMapVersionRead:
    return JourneyMapVersionRead(
        version=version.version,
        checksum=version.checksum,
        created_at=version.created_at,
        created_by=version.created_by,
        map=_validated(version),
    )


# A stored version never changes, so each is validated once per process: a map of a few
# dozen touchpoints takes about 2 ms to validate, and the console reads it for every page.
_VALIDATED: dict[tuple[int, str], JourneyMap] = {}
_VALIDATED_MAX = 8
_ENCODED: dict[tuple[Any, ...], bytes] = {}  # get_version's bodies


def _validated(version: JourneyMapVersion) -> JourneyMap:
    key = (version.version, version.checksum)
    found = _VALIDATED.get(key)
    if found is None:
        if len(_VALIDATED) >= _VALIDATED_MAX:
            _VALIDATED.clear()
        found = _VALIDATED[key] = JourneyMap.model_validate(version.document)
    return found
