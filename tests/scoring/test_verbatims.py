"""The customer's words through scoring: analysed once, stored, counted, carried, shown."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from services.scoring.models import verbatim
from services.scoring.voice.repository import VerbatimReads, window
from shared.events.schemas import TRUNCATION_MARK, VERBATIM_EVENT_CHARS
from tests.conftest import consume, unique
from tests.scoring.conftest import Scoring
from tests.scoring.factories import T0, create_profile, create_survey, days
from tests.scoring.test_stats import profiled


async def moment_of(scoring: Scoring, event_id: str) -> dict:
    (record,) = await consume(
        scoring.settings.kafka_bootstrap_servers,
        "cx.moments",
        1,
        ce_id=f"moment:{event_id}".encode(),
    )
    return json.loads(record.value)


async def test_words_only_move_the_lxi_by_their_sentiment(scoring: Scoring) -> None:
    """Delivery (weight 1.5, moment of truth ×3, survey ×1): w = 4.5 for both.
    NPS 10 at T0: v = 1. "late again" 90 days later, no score: v = s = −0.447 (its analysed
    sentiment), a negative moment. S = 4.5·1·½ + 4.5·(−0.447) = 2.25 − 2.0115 = 0.2385,
    W = 4.5·½ + 4.5 = 6.75, LXI = 50·(1 + 0.2385/6.75) = 51.7667."""
    customer = unique("cust")
    promoter = create_survey(customer, T0, nps=10)
    words = create_survey(customer, T0 + days(90), verbatim="late again", language="en")

    await scoring.score([promoter, words])

    body = await scoring.get(f"/v1/customers/{customer}/experience")
    assert body["lxi"] == pytest.approx(50 * (1 + 0.2385 / 6.75), abs=1e-9)
    assert (body["signals"], body["positives"], body["negatives"]) == (2, 1, 1)
    moment = await moment_of(scoring, words.event_id)
    assert (moment["valence"], moment["polarity"]) == (-0.447, "negative")
    assert moment["verbatim"]["text"] == "late again"
    assert moment["verbatim"]["topics"] == [
        {"id": "late-delivery", "kind": "root_cause", "sentiment": -0.5}
    ]


async def test_words_beside_a_score_add_nothing_but_are_kept(scoring: Scoring) -> None:
    """NPS 8 with praise: v = (8 − 7)/3 = ⅓ whatever the words, and neutral (under 0.5)."""
    customer = unique("cust")
    praise = "Livreur très aimable, merci !"
    survey = create_survey(customer, T0, nps=8, verbatim=praise, language="fr")

    await scoring.score([survey])

    body = await scoring.get(f"/v1/customers/{customer}/experience")
    assert body["lxi"] == pytest.approx(50 * (1 + 1 / 3))
    assert (body["positives"], body["negatives"]) == (0, 0)
    (contribution,) = body["contributions"]
    assert contribution["verbatim"]["text"] == praise
    assert contribution["verbatim"]["sentiment_class"] == "positive"
    assert "gratitude" in contribution["verbatim"]["emotions"]
    timeline = await scoring.get(f"/v1/customers/{customer}/timeline")
    assert timeline["entries"][0]["verbatim"]["text"] == praise
    moment = await moment_of(scoring, survey.event_id)
    assert (moment["valence"], moment["polarity"]) == (pytest.approx(1 / 3), "neutral")
    assert moment["verbatim"]["language"] == "fr"


async def test_a_long_verbatim_is_cut_on_the_moment_and_kept_whole(scoring: Scoring) -> None:
    customer = unique("cust")
    text = "Retard encore. " * 300  # 4,500 characters
    survey = create_survey(customer, T0, csat=1, verbatim=text)

    await scoring.score([survey])

    moment = await moment_of(scoring, survey.event_id)
    carried = moment["verbatim"]
    assert carried["truncated"] is True
    assert carried["text"] == text[:VERBATIM_EVENT_CHARS] + TRUNCATION_MARK
    async with scoring.sessions() as session:
        stored = (
            await session.execute(select(verbatim).where(verbatim.c.event_id == survey.event_id))
        ).one()
    assert stored.text == text
    assert stored.sentiment_class == "negative"


async def test_a_redelivered_response_re_emits_its_verbatim(scoring: Scoring) -> None:
    customer = unique("cust")
    survey = create_survey(customer, T0, verbatim="Rude staff, never again", language="en")
    await scoring.score([survey])

    await scoring.score([survey])

    moments = await consume(
        scoring.settings.kafka_bootstrap_servers,
        "cx.moments",
        2,
        ce_id=f"moment:{survey.event_id}".encode(),
    )
    assert moments[0].value == moments[1].value
    assert json.loads(moments[1].value)["verbatim"]["topics"][0]["id"] == "rude-staff"


async def test_the_verbatim_report_by_theme_period_and_persona(scoring: Scoring) -> None:
    """A touchpoint of its own, 2032. Previous period (March 1–31): one "late" verbatim.
    Current (April 1–31, as long): three name late-delivery, NPS 2, 9 and none: volume 3,
    detractors 1 of the 2 with an NPS, trend 3/1 − 1 = 2; one names rude-staff."""
    place, persona = unique("tp"), unique("p").lower()
    people = [unique("cust") for _ in range(5)]
    # profiles and answers travel on topics of their own: an answer read first has no persona
    await profiled(scoring, persona, people)
    april = datetime(2032, 4, 10, tzinfo=UTC)
    events = [
        create_survey(
            people[0], datetime(2032, 3, 20, tzinfo=UTC), touchpoint=place, verbatim="late again"
        ),
        create_survey(
            people[1], april, touchpoint=place, nps=2, verbatim="Delivery late, very disappointed"
        ),
        create_survey(
            people[2], april + days(1), touchpoint=place, nps=9, verbatim="A bit late but fine"
        ),
        create_survey(people[3], april + days(2), touchpoint=place, verbatim="Late. Again."),
        create_survey(
            people[4], april + days(3), touchpoint=place, verbatim="The courier was rude"
        ),
    ]
    await scoring.score(events)

    body = await scoring.get(
        "/v1/reports/verbatims", touchpoint=place, **{"from": "2032-04-01", "to": "2032-05-01"}
    )

    assert (body["previous_from"], body["previous_to"]) == ("2032-03-01", "2032-03-31")
    (found,) = body["touchpoints"]
    late, rude = found["themes"]
    assert (late["id"], late["volume"], late["previous_volume"]) == ("late-delivery", 3, 1)
    assert (late["detractor_share"], late["trend"]) == (0.5, 2.0)
    assert late["examples"] == [
        {"text": "Late. Again.", "language": "en"},
        {"text": "A bit late but fine", "language": "en"},
        {"text": "Delivery late, very disappointed", "language": "en"},
    ]
    assert late["mean_sentiment"] < 0
    assert (rude["id"], rude["volume"], rude["detractor_share"], rude["trend"]) == (
        "rude-staff",
        1,
        None,
        None,
    )
    (emotions,) = body["emotions"]
    assert (emotions["persona"], emotions["verbatims"]) == (persona, 4)
    assert emotions["emotions"]["disappointment"] >= 1


# How the emotions were first counted: one grouping-sets pass with DISTINCT verbatims.
_DIRECT_EMOTIONS = text(
    """
    SELECT v.touchpoint, coalesce(v.persona, '') AS persona, e.key AS emotion,
           GROUPING(e.key) = 1 AS total, count(DISTINCT v.event_id) AS n
    FROM scoring.verbatim v LEFT JOIN LATERAL jsonb_each(v.emotions) e ON true
    WHERE v.occurred_at >= :since AND v.occurred_at < :until AND v.touchpoint IS NOT NULL
      AND (CAST(:touchpoint AS text) IS NULL OR v.touchpoint = :touchpoint)
      AND (CAST(:persona AS text) IS NULL OR v.persona = :persona)
    GROUP BY GROUPING SETS ((1, 2), (1, 2, 3))
    ORDER BY 1, 2, 4 DESC, 5 DESC, 3
    """
)


async def test_the_emotion_counts_equal_a_count_of_distinct_verbatims(scoring: Scoring) -> None:
    place, persona = unique("tp"), unique("p").lower()
    people = [unique("cust") for _ in range(4)]
    await scoring.send([create_profile(c, persona=persona) for c in people[:2]])
    at = datetime(2032, 6, 10, tzinfo=UTC)
    words = ["Late again, very disappointed and angry", "Thank you, perfect", "ok", "Late."]
    await scoring.score(
        [
            create_survey(who, at + days(n), touchpoint=place, verbatim=said)
            for n, (who, said) in enumerate(zip(people, words, strict=True))
        ],
    )
    since, until = datetime(2032, 6, 1, tzinfo=UTC), datetime(2032, 7, 1, tzinfo=UTC)

    async with scoring.sessions() as session:
        for touchpoint, chosen in ((place, None), (place, persona), (None, None)):
            params = window(since, since, until, touchpoint, chosen)
            found = [tuple(row) for row in await VerbatimReads(session).emotions(params)]
            direct = [tuple(row) for row in await session.execute(_DIRECT_EMOTIONS, params)]
            assert found == direct
            assert found
