from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.journey import service
from services.actions.journey.schemas import JourneyMapVersionRead, JourneyMapVersionSummary
from services.actions.outbox import OutboxRelay
from shared.auth import Principal, require, require_any
from shared.db.session import unit_of_work
from shared.http import ReadSession
from shared.journey import JourneyMap
from shared.problems import PROBLEM_RESPONSES, ProblemError, problem_doc

router = APIRouter(prefix="/v1/journey-map", tags=["journey map"])
Reader = Annotated[Principal, Depends(require("ops:read"))]
# The current map also for referents and the committee (tasks:read, backlog:read): the names
# of what their pages show by id. Without ops:read, the referents' and the escalation's
# e-mail addresses are left out (another department is reached through tasks, not the map).
MapReader = Annotated[Principal, Depends(require_any("ops:read", "tasks:read", "backlog:read"))]
Writer = Annotated[Principal, Depends(require("ops:write"))]


async def write_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A change to the journey map: committed when the endpoint returns, then published.

    :raises ProblemError: 503 when the broker does not acknowledge; the version stays
        stored and the relay publishes it again until the broker does.
    """
    async with unit_of_work(request.app.state.sessions) as session:
        yield session
    relay: OutboxRelay = request.app.state.journey_map_relay
    try:
        await relay.publish_pending()
    except Exception as exc:
        raise ProblemError(
            503,
            "Journey map stored but not published",
            "the broker did not acknowledge; the stored version is published again "
            f"automatically ({exc})",
        ) from exc


async def journey_map_body(request: Request) -> JourneyMap:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    return service.read_journey_map(await request.body(), media_type)


WriteSession = Annotated[AsyncSession, Depends(write_session, scope="function")]
Body = Annotated[JourneyMap, Depends(journey_map_body)]

# Versions are stored as PostgreSQL integers: a larger one exists nowhere, and looking it up
# would fail in the database (500) rather than answer 422.
MAX_VERSION = 2**31 - 1
PUT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/JourneyMap"}},
        **{
            media_type: {"schema": {"type": "string", "description": "The same document in YAML."}}
            for media_type in sorted(service.YAML_TYPES)
        },
    },
}


@router.put(
    "",
    status_code=201,
    openapi_extra={"requestBody": PUT_BODY},
    responses={
        **PROBLEM_RESPONSES,
        200: {"model": JourneyMapVersionRead, "description": "Same as the current map: kept"},
        400: problem_doc("The body is not JSON or YAML"),
        415: problem_doc("Neither JSON nor YAML"),
        503: problem_doc("Stored, but the broker did not acknowledge its publication"),
    },
)
async def put_journey_map(
    principal: Writer, journey_map: Body, session: WriteSession, response: Response
) -> JourneyMapVersionRead:
    """Replace the journey map (JSON or YAML, ≤ 1 MB), validated as a whole.

    A new version answers 201; a map identical to the current one answers 200 with the
    current version. Either way the current version is then published on `cx.journey-map`.
    """
    saved = await service.save_version(session, journey_map, principal.name)
    if not saved.created:
        response.status_code = 200
    response.headers["Location"] = f"{router.prefix}?version={saved.version.version}"
    return service.to_read(saved.version)


@router.get(
    "",
    response_model=JourneyMapVersionRead,
    responses={**PROBLEM_RESPONSES, 404: problem_doc("No such version")},
)
async def get_journey_map(
    principal: MapReader,
    session: ReadSession,
    version: Annotated[
        int | None, Query(ge=1, le=MAX_VERSION, description="default: the current one")
    ] = None,
) -> Response:
    """The current journey map, or an earlier version; without ops:read, without the
    referents' and the escalation's e-mail addresses."""
    # each version's body is encoded once (service.get_version), not once per read
    body = await service.get_version(session, version)
    if not principal.has("ops:read"):
        body = _without_emails(body)
    return Response(body, media_type="application/json")


def _without_emails(body: bytes) -> bytes:
    document = json.loads(body)
    for department in document["map"].get("departments", []):
        department["escalation_contact"] = None
        for referent in department.get("referents", []):
            referent["email"] = None
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/versions", responses=PROBLEM_RESPONSES)
async def list_journey_map_versions(
    _: Reader, session: ReadSession, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[JourneyMapVersionSummary]:
    """Every version stored, the newest first."""
    return await service.list_versions(session, limit)
