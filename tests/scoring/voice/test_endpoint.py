"""POST /v1/verbatims/analyse on a running scoring service: nothing stored, limits as 422."""

from __future__ import annotations

import json

import httpx

from tests.scoring.conftest import Scoring

DRAFT = [
    {
        "id": "late-delivery",
        "name": "Late delivery",
        "keywords": {"fr": ["retard", "jamais reçu"], "en": ["late", "never arrived"]},
    }
]


async def test_analyses_texts_with_a_draft_taxonomy(scoring: Scoring) -> None:
    body = {
        "texts": [
            {"text": "Livraisons toujours en retard, je suis déçue.", "touchpoint": "delivery"},
            {"text": "Parcel never arrived. Great...", "language": "fr"},
            {"text": "RAS"},
        ],
        "root_causes": DRAFT,
    }
    response = await scoring.client.post("/v1/verbatims/analyse", json=body)
    assert response.status_code == 200, response.text
    first, second, third = response.json()["items"]
    assert first["touchpoint"] == "delivery"
    assert (first["language"], first["sentiment_class"]) == ("fr", "negative")
    assert "disappointment" in first["emotions"]
    assert [t["id"] for t in first["topics"]] == ["late-delivery"]
    assert (second["language"], second["sentiment_class"]) == ("en", "negative")
    assert [t["id"] for t in second["topics"]] == ["late-delivery"]
    assert third["sentiment_class"] == "neutral"
    assert third["emotions"] == {}
    assert third["topics"] == []


async def test_without_a_draft_the_published_maps_keywords_apply(scoring: Scoring) -> None:
    """The session's map names late-delivery ("retard") and rude-staff ("impoli")."""
    body = {"texts": [{"text": "Colis abîmé et livré en retard"}, {"text": "Merci, parfait"}]}
    response = await scoring.client.post("/v1/verbatims/analyse", json=body)
    assert response.status_code == 200, response.text
    late, thanks = response.json()["items"]
    assert [t["id"] for t in late["topics"]] == ["late-delivery"]
    assert thanks["topics"] == []


async def test_the_most_the_limits_allow_fits_in_the_body(scoring: Scoring) -> None:
    # 100 texts of 5,000 characters, written as JSON escapes: ~3 MB, over the service's
    # 64 KiB for other bodies
    texts = [{"text": ("déçue " * 834)[:5000]} for _ in range(100)]
    body = json.dumps({"texts": texts}).encode()  # é and ç as \u00e9, \u00e7
    assert len(body) > 1_000_000

    response = await scoring.client.post(
        "/v1/verbatims/analyse", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 200, response.text[:300]
    assert len(response.json()["items"]) == 100


async def test_limits_are_422_with_the_field(scoring: Scoring) -> None:
    too_many = {"texts": [{"text": "ok"}] * 101}
    too_long = {"texts": [{"text": "ok"}, {"text": "a" * 5001}]}
    bad_hint = {"texts": [{"text": "ok", "language": "de"}]}
    for body, field in (
        (too_many, "texts"),
        (too_long, "texts.1.text"),
        (bad_hint, "texts.0.language"),
    ):
        response = await scoring.client.post("/v1/verbatims/analyse", json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in [e["field"] for e in response.json()["errors"]]


async def test_bad_draft_keyword_is_422(scoring: Scoring) -> None:
    draft = [{"id": "x", "name": "X", "keywords": {"fr": ["retard", "Retard"]}}]
    body = {"texts": [{"text": "ok"}], "root_causes": draft}
    response = await scoring.client.post("/v1/verbatims/analyse", json=body)
    assert response.status_code == 422, response.text


async def test_needs_a_key(scoring: Scoring) -> None:
    async with httpx.AsyncClient(base_url=scoring.client.base_url) as anonymous:
        response = await anonymous.post("/v1/verbatims/analyse", json={"texts": [{"text": "ok"}]})
    assert response.status_code == 401
