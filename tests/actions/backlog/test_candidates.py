"""Emerging irritants taken up by the committee: ``POST /v1/backlog/items`` turns a
candidate (touchpoint, term) into an item, once; its impact is the negative moments whose
verbatim holds the term (cx.moments carries the terms no taxonomy entry covers)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from shared.events.schemas import MomentEvaluated, Polarity, Verbatim
from tests.actions.backlog.conftest import QUALITY_KEY, Backlog
from tests.actions.backlog.factories import AS_OF, create_moment, create_spike, days_before
from tests.conftest import unique

PATH = "/v1/backlog/items"


def a_term(first: str = "appli") -> str:
    """Two words, the second of letters unique to the test."""
    return f"{first} {''.join(chr(97 + int(c, 16)) for c in uuid.uuid4().hex[:10])}"


def said(moment: MomentEvaluated, *terms: str) -> MomentEvaluated:
    """``moment`` with a verbatim whose uncovered terms are ``terms``."""
    words = Verbatim(
        text="…",
        language="fr",
        sentiment=moment.valence,
        sentiment_class="negative",
        uncovered_terms=list(terms),
    )
    return moment.model_copy(update={"verbatim": words})


async def take_up(backlog: Backlog, status: int = 201, **body: Any) -> dict[str, Any]:
    response = await backlog.client.post(PATH, json=body)
    assert response.status_code == status, response.text
    item: dict[str, Any] = response.json()
    return item


async def test_a_candidate_becomes_one_proposed_item_of_the_touchpoints_owner(
    backlog: Backlog,
) -> None:
    touchpoint, term = backlog.departments.owned()[9], a_term()

    item = await take_up(backlog, touchpoint=touchpoint, term=term, notes="seen in the report")

    assert (item["origin"], item["term"], item["root_cause"], item["status"]) == (
        "emerging_irritant",
        term,
        None,
        "proposed",
    )
    assert (item["department"], item["notes"], item["updated_by"]) == (
        backlog.departments.quality,
        "seen in the report",
        "ops",
    )
    assert (item["impact"]["source"], item["impact"]["value"]) == ("term_moments", 0)
    (listed,) = [i for i in await backlog.items(touchpoint) if i["term"] == term]
    assert listed["id"] == item["id"]


async def test_taking_a_candidate_up_again_returns_the_item_as_it_is(backlog: Backlog) -> None:
    touchpoint, term = unique("tp"), a_term()
    first = await take_up(backlog, touchpoint=touchpoint, term=term)
    await backlog.patch(first["id"], status="planned", effort=2)

    again = await take_up(backlog, 200, touchpoint=touchpoint, term=term, notes="other words")

    assert again["id"] == first["id"]
    assert (again["status"], again["effort"], again["notes"]) == ("planned", 2, None)
    assert [i["id"] for i in await backlog.items(touchpoint)] == [first["id"]]


async def test_the_term_item_stands_beside_the_touchpoints_systemic_item(
    backlog: Backlog,
) -> None:
    touchpoint, term = unique("tp"), a_term()
    await backlog.feed([create_spike(touchpoint, unique("alert"))])

    item = await take_up(backlog, touchpoint=touchpoint, term=term)

    origins = {i["origin"]: i["id"] for i in await backlog.items(touchpoint)}
    assert origins.keys() == {"systemic_spike", "emerging_irritant"}
    assert origins["emerging_irritant"] == item["id"]


async def test_impact_counts_the_negative_moments_whose_words_hold_the_term(
    backlog: Backlog,
) -> None:
    """Two gold (weight 3) and one without tier hold it: 2 × 3 + 1 = 7. A positive moment
    holding it, a negative one without it, and one holding only one of its words do not
    count; a term counted twice in one verbatim counts once."""
    touchpoint, term = unique("tp"), a_term()
    at = days_before(1)
    moments = [
        said(create_moment(touchpoint, at, "gold"), term, "appli"),
        said(create_moment(touchpoint, at, "gold"), "appli", term, term),
        said(create_moment(touchpoint, at), term),
        said(create_moment(touchpoint, at, "gold", Polarity.POSITIVE), term),
        said(create_moment(touchpoint, at, "gold"), "appli"),
        create_moment(touchpoint, at, "gold"),
    ]
    await backlog.feed(moments)

    item = await take_up(backlog, touchpoint=touchpoint, term=term)

    impact = item["impact"]
    assert (impact["source"], impact["negatives"], impact["value"]) == ("term_moments", 3, 7.0)
    read = await backlog.get(f"/v1/backlog/{item['id']}", as_of=AS_OF.isoformat())
    assert [(p["value_tier"], p["negatives"]) for p in read["impact"]["by_value_tier"]] == [
        (None, 1),
        ("gold", 2),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"term": "appli"}, "touchpoint"),
        ({"touchpoint": "Not A Slug", "term": "appli"}, "touchpoint"),
        ({"touchpoint": "tp-x"}, "term"),
        ({"touchpoint": "tp-x", "term": ""}, "term"),
        ({"touchpoint": "tp-x", "term": "Appli"}, "term"),
        ({"touchpoint": "tp-x", "term": "appli bloquée net"}, "term"),
        ({"touchpoint": "tp-x", "term": "appli  bloquée"}, "term"),
        ({"touchpoint": "tp-x", "term": "code42"}, "term"),
        ({"touchpoint": "tp-x", "term": "a" * 65}, "term"),
        ({"touchpoint": "tp-x", "term": "appli", "department": "no-such-department"}, "department"),
        ({"touchpoint": "tp-x", "term": "appli", "notes": "x" * 5001}, "notes"),
        ({"touchpoint": "tp-x", "term": "appli", "status": "done"}, "status"),
    ],
)
async def test_bad_input_is_refused_with_the_field(
    backlog: Backlog, body: dict[str, Any], field: str
) -> None:
    response = await backlog.client.post(PATH, json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_department_key_takes_up_candidates_for_its_department_only(
    backlog: Backlog,
) -> None:
    headers = {"Authorization": f"Bearer {QUALITY_KEY}"}
    async with httpx.AsyncClient(base_url=backlog.client.base_url, headers=headers) as referent:
        mine = await referent.post(PATH, json={"touchpoint": unique("tp"), "term": a_term()})
        body = {
            "touchpoint": unique("tp"),
            "term": a_term(),
            "department": backlog.departments.logistics,
        }
        theirs = await referent.post(PATH, json=body)

    assert mine.status_code == 201, mine.text
    assert (mine.json()["department"], mine.json()["updated_by"]) == (
        backlog.departments.quality,
        "quality-referent",
    )
    assert theirs.status_code == 403
