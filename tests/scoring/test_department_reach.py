"""A key bound to a department reads in scoring what its department owns (the touchpoints
the journey map gives it), as it does in actions and alerts: a customer who has lived one
of them, the reports' rows of them; another department's touchpoint is forbidden."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.scoring.access import Reach
from shared.db.copy import raw_connection
from shared.journey import JourneyMap
from shared.problems import ProblemError
from tests.conftest import Keys, unique
from tests.scoring.conftest import JOURNEY_MAP, Scoring
from tests.scoring.factories import T0, create_interaction, create_survey, days

SPAN = {"from": "2026-05-01", "to": "2026-07-31"}


async def _as(scoring: Scoring, key: str, path: str, **params: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    return await scoring.client.get(path, params=params, headers=headers)


async def test_a_department_reads_the_customers_who_lived_its_touchpoints(
    scoring: Scoring, keys: Keys
) -> None:
    delivered, called = unique("cust"), unique("cust")
    await scoring.score(
        [
            create_survey(delivered, T0, touchpoint="delivery", nps=3),
            create_interaction(delivered, T0 + days(1), touchpoint="support-call", channel="phone"),
            create_interaction(called, T0, touchpoint="support-call", channel="phone"),
        ]
    )
    logistics = keys.logistics_reader

    for path in ("experience", "timeline"):
        mine = await _as(scoring, logistics, f"/v1/customers/{delivered}/{path}")
        assert mine.status_code == 200, mine.text
        other = await _as(scoring, logistics, f"/v1/customers/{called}/{path}")
        unknown = await _as(scoring, logistics, f"/v1/customers/{unique('cust')}/{path}")
        assert other.status_code == unknown.status_code == 404  # whether it exists is not told
        assert other.json()["title"] == unknown.json()["title"]
        assert (await _as(scoring, keys.reader, f"/v1/customers/{called}/{path}")).is_success
    # the whole experience of a customer it may read, other departments' signals included
    timeline = (await _as(scoring, logistics, f"/v1/customers/{delivered}/timeline")).json()
    assert {s["touchpoint"] for s in timeline["entries"]} == {"delivery", "support-call"}


async def test_the_relationship_surveys_owner_reads_those_who_answered_it(
    scoring: Scoring,
) -> None:
    answered, other = unique("cust"), unique("cust")
    await scoring.score(
        [
            create_survey(answered, T0, touchpoint=None, relationship=True, nps=2),
            create_interaction(other, T0, touchpoint="checkout"),
        ]
    )
    owning = JourneyMap.model_validate({**JOURNEY_MAP, "relationship": {"owner": "service"}})
    service = Reach.of("service", owning)
    assert service.touchpoints == {"support-call", "~relationship"}
    async with scoring.sessions() as session:
        connection = await raw_connection(session)
        await service.customer(connection, answered)
        await Reach.of(None, owning).customer(connection, other)
        for reach, customer in ((service, other), (Reach.of("logistics", owning), answered)):
            with pytest.raises(ProblemError) as refused:
                await reach.customer(connection, customer)
            assert refused.value.status == 404


async def test_the_reports_keep_the_departments_rows(scoring: Scoring, keys: Keys) -> None:
    customer = unique("cust")
    call = create_interaction(
        customer, T0, touchpoint="support-call", channel="phone", employee_ease=6
    )
    parcel = create_interaction(
        customer, T0, touchpoint="delivery", channel="mail", employee_ease=5
    )
    await scoring.score(
        [
            call,
            parcel,
            create_survey(
                customer,
                T0 + days(1),
                nps=2,
                ces=2,
                verbatim="Colis en retard.",
                interaction_event_id=parcel.event_id,
            ),
            create_survey(
                customer,
                T0 + days(1),
                touchpoint="support-call",
                nps=1,
                ces=1,
                verbatim="Late and rude.",
                interaction_event_id=call.event_id,
            ),
        ]
    )
    logistics = keys.logistics_reader

    for path in (
        "/v1/reports/verbatims",
        "/v1/reports/committee",
        "/v1/reports/four-dimensions",
        "/v1/reports/moment-ratio",
        "/v1/reports/c2es",
    ):
        everything = await _as(scoring, keys.reader, path, **SPAN)
        mine = await _as(scoring, logistics, path, **SPAN)
        assert mine.status_code == 200, (path, mine.text)
        assert _touchpoints(everything.json()) > {"delivery"}, path
        assert _touchpoints(mine.json()) == {"delivery"}, path
    journey = await _as(
        scoring, logistics, "/v1/journeys/purchase/stats", group_by="touchpoint", **SPAN
    )
    assert journey.json()["touchpoints"] == ["delivery"]
    assert _touchpoints(journey.json()) == {"delivery"}
    emerging = await _as(scoring, logistics, "/v1/reports/emerging-irritants")
    assert _touchpoints(emerging.json()) <= {"delivery"}


async def test_another_departments_touchpoint_and_mixed_figures_are_forbidden(
    scoring: Scoring, keys: Keys
) -> None:
    logistics = keys.logistics_reader
    assert (await _as(scoring, logistics, "/v1/touchpoints/delivery/stats")).status_code == 200
    for path, params in (
        ("/v1/touchpoints/support-call/stats", {}),
        ("/v1/touchpoints/~relationship/stats", {}),
        ("/v1/reports/verbatims", {"touchpoint": "support-call"}),
        ("/v1/reports/emerging-irritants", {"touchpoint": "checkout"}),
        ("/v1/journeys/purchase/stats", {}),  # every touchpoint's signals in one row
        ("/v1/reports/c2es", {"group_by": "employee"}),
        ("/v1/reports/unknown-touchpoints", {}),
    ):
        refused = await _as(scoring, logistics, path, **params)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert "logistics only" in refused.json()["detail"]
        assert (await _as(scoring, keys.reader, path, **params)).status_code == 200, path


def _touchpoints(body: Any) -> set[str]:
    """Every ``touchpoint`` value of rows anywhere in ``body``."""
    found: set[str] = set()
    if isinstance(body, dict):
        if isinstance(body.get("touchpoint"), str):
            found.add(body["touchpoint"])
        for value in body.values():
            found |= _touchpoints(value)
    elif isinstance(body, list):
        for item in body:
            found |= _touchpoints(item)
    return found
