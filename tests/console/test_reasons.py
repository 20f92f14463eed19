"""An alert's summary and reasons on the task page, worded from the alerts API's codes in the
page's language; anything the console cannot word shows the API's text."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from services.console.api import ApiError, Part
from services.console.reasons import WORDED, disabled, prepare
from services.console.tasks.views import tier_names
from services.console.web import renderer
from shared.pages import Page

NAMES = {"delivery": "Livraison"}
RENDERER = renderer()
ZONE = "Europe/Paris"  # the pages' zone in these tests

# each code the alert rules give, with its figures; how the page says it in each language
CODES: list[tuple[dict[str, Any], str, str]] = [
    (
        {"code": "negative_valence", "valence": -0.9166},
        "valence −0.92 (from −1 to 1)",
        "valence −0,92 (de −1 à 1)",
    ),
    ({"code": "nps_detractor", "nps": 2}, "NPS 2 / 10 (detractor)", "NPS 2 / 10 (détracteur)"),
    (
        {"code": "csat_dissatisfied", "csat": 1},
        "CSAT 1 / 5 (dissatisfied)",
        "CSAT 1 / 5 (insatisfait)",
    ),
    ({"code": "ces_high_effort", "ces": 2}, "CES 2 / 7 (high effort)", "CES 2 / 7 (effort élevé)"),
    ({"code": "failed_interaction"}, "failed interaction", "interaction en échec"),
    (
        {"code": "relationship_nps_detractor", "nps": 0},
        "relationship NPS 0 / 10 (detractor)",
        "NPS relationnel 0 / 10 (détracteur)",
    ),
    (
        {"code": "wait_over_threshold"},
        "waited longer than the threshold",
        "attente au-delà du seuil",
    ),
    (
        {"code": "wait_over_threshold", "wait_seconds": 840, "threshold_seconds": 300},
        "waited 14\u00a0min, over the 5\u00a0min threshold",
        "attente de 14\u00a0min, au-delà du seuil de 5\u00a0min",
    ),
    ({"code": "repeat_contact"}, "repeat contact", "contact répété"),
    ({"code": "many_transfers", "transfers": 4, "at_least": 3}, "4 transfers", "4 transferts"),
    (
        {"code": "lxi_fell", "points": 30.8, "window_days": 7, "highest": 62.5, "lxi_after": 31.7},
        "LXI down 30.8 points within 7\u00a0d (62.5 → 31.7)",
        "LXI en baisse de 30,8 points en 7\u00a0j (62,5 → 31,7)",
    ),
    (
        {"code": "lxi_fell", "points": 15, "window_days": 1, "highest": 55, "lxi_after": 40},
        "LXI down 15.0 points within 24\u00a0h (55.0 → 40.0)",
        "LXI en baisse de 15,0 points en 24\u00a0h (55,0 → 40,0)",
    ),
    (
        {"code": "lxi_below_floor", "floor": 40.0, "lxi_before": 40.0, "lxi_after": 39.99},
        "LXI below 40 (40.0 → 40.0)",
        "LXI passé sous 40 (40,0 → 40,0)",
    ),
    (
        {
            "code": "negative_rate",
            "rate": 0.25,
            "window_seconds": 3600,
            "negatives": 5,
            "total": 20,
        },
        "25% negative over 1\u00a0h (5 of 20)",
        "25\u00a0% de négatifs sur 1\u00a0h (5 sur 20)",
    ),
    (
        {
            "code": "negative_rate",
            "rate": 0.5,
            "window_seconds": 86400,
            "negatives": 600,
            "total": 1200,
        },
        "50% negative over 24\u00a0h (600 of 1,200)",
        "50\u00a0% de négatifs sur 24\u00a0h (600 sur 1\u202f200)",
    ),
    (
        {"code": "negative_rate", "rate": 0.3, "window_seconds": 600, "negatives": 3, "total": 10},
        "30% negative over 10\u00a0min (3 of 10)",
        "30\u00a0% de négatifs sur 10\u00a0min (3 sur 10)",
    ),
    ({"code": "negative_rate_target", "target": 0.1}, "target 10%", "objectif 10\u00a0%"),
    (
        {
            "code": "term_rising",
            "term": "code promo",
            "recent": 6,
            "recent_total": 40,
            "recent_days": 7,
            "base": 1,
            "base_total": 500,
            "baseline_days": 90,
            "g2": 25.04,
        },
        "“code promo” in 6 of 40 verbatims over 7\u00a0d, 1 of 500 over the 90\u00a0d before "
        "(G² 25.0)",
        "«\u00a0code promo\u00a0» dans 6 verbatims sur 40 en 7\u00a0j, 1 sur 500 dans les "
        "90\u00a0j précédents (G² 25,0)",
    ),
]


def why(language: str, *alerts: dict[str, Any]) -> str:
    """The task page's "why" card for ``alerts`` (as the alerts API gives them), as it reads."""
    view = {"alerts": {"ok": True, "data": [prepare(alert) for alert in alerts]}}
    page = Page(
        "partials/_why.html", language, context={"view": view, "names": NAMES, "zone": ZONE}
    )
    text = unescape(re.sub(r"<[^>]+>", " ", RENDERER.render(page)))
    return re.sub(r"[ \t\r\n]+", " ", text).strip()  # no-break spaces kept: they are French


def alert(
    reasons: list[dict[str, Any]] | None = None, moment_reasons: Any = None, **fields: Any
) -> dict[str, Any]:
    """An alert with one moment: ``reasons`` coded (each with an English text), or none."""
    coded = [{"text": f"in English: {r['code']}", **r} for r in reasons or []]
    details: dict[str, Any] = {"source": "survey", "reasons": [r["text"] for r in coded]}
    if reasons is not None:
        details["coded_reasons"] = coded
    if moment_reasons is not None:
        details["coded_reasons"] = moment_reasons
    found = {
        "rule": "negative_moment_of_truth",
        "status": "open",
        "touchpoint": "delivery",
        "first_at": "2026-12-06T05:00:00+00:00",
        "summary": "the API's summary, in English",
        "summary_reasons": coded,
        "moments": [{"occurred_at": "2026-12-06T05:00:00+00:00", "details": details}],
    }
    return {**found, **fields}


def documented_codes() -> set[str]:
    """The codes of docs/alerts.md's table of reasons (its second column)."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "alerts.md").read_text()
    table = docs.split("### Reasons, coded", 1)[1].split("\n\n## ", 1)[0]
    rows = [line.split("|") for line in table.splitlines() if line.startswith("| ")]
    return {m for row in rows[1:] for m in re.findall(r"^ `([a-z_]+)`", row[2])}


def test_every_code_the_rules_give_is_worded() -> None:
    assert len(documented_codes()) == 14
    assert set(WORDED) == documented_codes()
    assert {reason["code"] for reason, _, _ in CODES} == set(WORDED)


@pytest.mark.parametrize(("reason", "english", "french"), CODES)
def test_a_reason_is_worded_from_its_code_in_the_page_s_language(
    reason: dict[str, Any], english: str, french: str
) -> None:
    for language, said in (("en", f"Reasons: {english}"), ("fr", f"Raisons\u00a0: {french}")):
        page = why(language, alert([reason]))
        assert said in page
        assert "in English" not in page


def test_the_summary_names_the_rule_and_the_touchpoint_in_the_page_s_language() -> None:
    reasons = [{"code": "nps_detractor", "nps": 2}, {"code": "csat_dissatisfied", "csat": 1}]
    assert (
        "Negative moment of truth at Livraison: NPS 2 / 10 (detractor); CSAT 1 / 5 (dissatisfied)"
        in why("en", alert(reasons))
    )
    assert (
        "Moment de vérité négatif au point de contact Livraison\u00a0: NPS 2 / 10 (détracteur)"
        "\u00a0; CSAT 1 / 5 (insatisfait)" in why("fr", alert(reasons))
    )


@pytest.mark.parametrize(
    ("transfers", "english", "french"),
    [(1, "1 transfer", "1 transfert"), (3, "3 transfers", "3 transferts")],
)
def test_a_moment_s_transfers_are_counted_in_the_page_s_language(
    transfers: int, english: str, french: str
) -> None:
    found = alert([{"code": "failed_interaction"}])
    found["moments"][0]["details"].update(source="interaction", transfers=transfers)

    assert f"{english} " in why("en", found)
    assert f"{french} " in why("fr", found)
    assert "1 transfers" not in why("en", found)
    assert "1 transferts" not in why("fr", found)


def test_a_moment_s_expectation_pair_is_shown_with_its_scores() -> None:
    """What a valence of −0.75 beside "CSAT 2 / 5" came from: expected 4, lived 1."""
    found = alert([{"code": "csat_dissatisfied", "csat": 2}])
    found["moments"][0]["details"].update(csat=2, expected=4, perceived=1)

    assert "CSAT 2 / 5 expected 4 / 5, lived 1 / 5" in why("en", found)
    assert "CSAT 2 / 5 attendue 4 / 5, vécue 1 / 5" in why("fr", found)
    assert "attendue" not in why("fr", alert([{"code": "csat_dissatisfied", "csat": 2}]))


def test_a_moment_s_wait_is_shown_against_its_threshold() -> None:
    """A minute over and an hour over read differently; a moment scored before the figures
    were kept still says it went over."""
    found = alert([{"code": "wait_over_threshold"}])
    details = found["moments"][0]["details"]
    details.update(wait_over_threshold=True, wait_seconds=3900.0, wait_threshold_seconds=300.0)

    assert "waited 1\u00a0h\u00a005\u00a0min, over the 5\u00a0min threshold" in why("en", found)
    assert "attente de 1\u00a0h\u00a005, au-delà du seuil de 5\u00a0min" in why("fr", found)
    older = alert([{"code": "wait_over_threshold"}])
    older["moments"][0]["details"].update(wait_over_threshold=True)
    assert "attente au-delà du seuil" in why("fr", older)


def test_each_moment_names_where_it_happened() -> None:
    """An experience drop gathers a customer's moments at any touchpoint: each says which
    (the relationship survey in words, a touchpoint the map lacks by its id)."""
    found = alert([{"code": "nps_detractor", "nps": 2}], rule="experience_drop")
    moment = found["moments"][0]
    found["moments"] = [
        {**moment, "touchpoint": "delivery"},
        {**moment, "touchpoint": None},
        {**moment, "touchpoint": "kiosk"},
    ]
    names = {**NAMES, "relationship": "Enquête relationnelle"}
    view = {"alerts": {"ok": True, "data": [prepare(found)]}}
    page = Page("partials/_why.html", "fr", context={"view": view, "names": names, "zone": ZONE})
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", RENDERER.render(page))))
    assert text.count("6 déc. 2026, 06:00 · Livraison · enquête") == 1
    assert text.count("06:00 · Enquête relationnelle · enquête") == 1
    assert text.count("06:00 · kiosk · enquête") == 1


def test_a_moment_s_lxi_is_said_to_be_as_scored() -> None:
    """The timeline counts the LXI in the order signals happened; a moment's is the one the
    rules saw when it was scored: the page says which, as the two differ for a late one."""
    found = alert([{"code": "nps_detractor", "nps": 2}])
    found["moments"][0]["details"].update(lxi_before=62.5, lxi_after=30.1)
    assert "LXI 62,5 → 30,1 à son évaluation" in why("fr", found)
    assert "LXI 62.5 → 30.1 when it was scored" in why("en", found)


def test_a_relationship_alert_has_no_touchpoint_and_a_recovered_one_says_so() -> None:
    relationship = alert([{"code": "relationship_nps_detractor", "nps": 2}], touchpoint=None)
    assert "Moment de vérité négatif\u00a0: NPS relationnel 2 / 10" in why("fr", relationship)
    recovered = alert(
        [
            {
                "code": "negative_rate",
                "rate": 0.05,
                "window_seconds": 3600,
                "negatives": 1,
                "total": 20,
            }
        ],
        rule="systemic_spike",
        status="recovered",
    )
    assert (
        "Pic systémique au point de contact Livraison, résorbé\u00a0: 5\u00a0% de négatifs "
        "sur 1\u00a0h" in why("fr", recovered)
    )
    assert "Systemic spike at Livraison recovered: 5% negative over 1\u00a0h" in why(
        "en", recovered
    )


def test_an_emerging_irritant_is_named_in_the_page_s_language() -> None:
    irritant = alert([], rule="emerging_irritant", summary="Emerging irritant at delivery: …")
    assert "Irritant émergent ·" in why("fr", irritant)


def test_an_unknown_code_shows_the_api_s_text() -> None:
    newer = [{"code": "a_newer_rule", "text": "a newer rule's words", "figure": 3}]
    page = why("fr", alert(newer))
    assert "Raisons\u00a0: a newer rule's words" in page
    assert "au point de contact Livraison\u00a0: a newer rule's words" in page


@pytest.mark.parametrize(
    "reason",
    [
        {"code": "nps_detractor", "text": "NPS 2 (detractor)"},  # its figure missing
        {"code": "nps_detractor", "text": "NPS 2 (detractor)", "nps": "2"},  # not a number
        {"code": "nps_detractor", "text": "NPS 2 (detractor)", "nps": True},
        {"code": "term_rising", "text": "NPS 2 (detractor)", "term": 3},
    ],
)
def test_a_reason_without_the_figures_its_code_names_shows_the_api_s_text(
    reason: dict[str, Any],
) -> None:
    assert "Raisons\u00a0: NPS 2 (detractor)" in why("fr", alert(moment_reasons=[reason]))


def test_an_alert_stored_before_the_codes_shows_the_api_s_texts() -> None:
    older = alert(None, summary="Negative moment of truth at delivery: NPS 2 (detractor)")
    older["moments"][0]["details"]["reasons"] = ["NPS 2 (detractor)", "CSAT 1"]
    del older["summary_reasons"]
    page = why("fr", older)
    assert "Negative moment of truth at delivery: NPS 2 (detractor)" in page
    assert "Raisons\u00a0: NPS 2 (detractor)\u00a0; CSAT 1" in page


def test_odd_reasons_are_shown_as_text_not_as_an_error() -> None:
    odd = alert(moment_reasons=["a plain string", {"text": "no code"}, {"code": "only_a_code"}])
    assert "Raisons\u00a0: a plain string\u00a0; no code\u00a0; only_a_code" in why("fr", odd)


def page_part(template: str, language: str, **context: Any) -> str:
    text = unescape(
        re.sub(
            r"<[^>]+>",
            " ",
            RENDERER.render(Page(template, language, context={"zone": ZONE, **context})),
        )
    )
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def task(**fields: Any) -> dict[str, Any]:
    found = {
        "department": "logistics",
        "referent": "lea",
        "persona": "busy-parent",
        "value_tier": None,
        "opened_at": "2026-12-06T05:00:00+00:00",
        "due_at": "2026-12-09T05:00:00+00:00",
        "escalation_level": 0,
        "occurrences": 1,
        "lxi_at_opening": 31.7,
        "root_cause": None,
        "resolution": None,
        "customer_recontacted": False,
        "changes": [
            {
                "changed_at": "2026-12-06T05:00:00+00:00",
                "actor": "system",
                "change": "opened",
                "fields": [],
            },
            {
                "changed_at": "2026-12-06T06:00:00+00:00",
                "actor": "lea-bernard",
                "change": "acknowledged",
                "fields": ["status"],
            },
        ],
        "comments": [],
    }
    return {**found, **fields}


NAMED = {
    "touchpoints": NAMES,
    "departments": {"logistics": "Logistique"},
    "referents": {"lea": "Léa Bernard"},
    "personas": {"busy-parent": "Parent pressé"},
    "value_tiers": {"gold": "Client fidèle (or)"},
}


def test_the_task_s_department_referent_and_persona_by_their_names_in_the_map() -> None:
    shown = task(value_tier="gold")
    card = page_part("partials/_task_summary.html", "fr", t=shown, named=NAMED, causes=[])
    assert "Direction Logistique" in card
    assert "Référent Léa Bernard" in card
    assert "Persona Parent pressé" in card
    assert "Valeur client Client fidèle (or)" in card


CAUSES = [
    {"id": "late-delivery", "name": "Retard ou suppression de train/car, correspondance manquée"},
    {"id": "rude-staff", "name": "Accueil"},
]


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", "Suggérée d’après les mots du client\u00a0: Retard ou suppression de train/car"),
        ("en", "Suggested from the customer's words: Retard ou suppression de train/car"),
    ],
)
def test_the_suggested_root_cause_is_said_beside_its_list(language: str, said: str) -> None:
    """A long name cut its "(suggested)" off in the select: the suggestion is also a line
    under the list, which the list names as its description; none once a cause is set."""
    suggested = task(suggested_root_cause="late-delivery")
    context = {"t": suggested, "causes": CAUSES, "values": {}, "form": None, "form_id": "resolve"}
    html = RENDERER.render(Page("partials/_root_cause_select.html", language, context=context))

    assert said in unescape(html)
    assert 'aria-describedby="resolve-suggested"' in html
    assert 'id="resolve-suggested"' in html
    chosen = {**context, "t": {**suggested, "root_cause": "rude-staff"}}
    html = RENDERER.render(Page("partials/_root_cause_select.html", language, context=chosen))
    assert 'suggested"' not in html
    assert "aria-describedby" not in html


def test_ids_the_map_does_not_name_are_shown_as_they_are() -> None:
    unnamed = {name: {} for name in NAMED}
    shown = task(value_tier="gold")
    card = page_part("partials/_task_summary.html", "fr", t=shown, named=unnamed, causes=[])
    assert "Direction logistics" in card
    assert "Référent lea" in card
    assert "Valeur client gold" in card


def test_a_value_tier_is_named_as_the_map_names_it_else_by_its_id() -> None:
    """Tiers had no name in the map: the console showed "abonne" for "Abonné"."""
    tiers = [{"id": "abonne", "name": "Abonné", "weight": 2}, {"id": "x", "weight": 1}]
    assert tier_names(Part({"map": {"value_tiers": tiers}})) == {"abonne": "Abonné", "x": "x"}
    assert tier_names(Part(problem=ApiError("actions", "down"))) == {}


@pytest.mark.parametrize(
    ("callback", "language", "said"),
    [
        (
            {"consent": True, "answered_at": "2026-12-06T09:30:00Z", "touchpoint": "delivery"},
            "fr",
            "Rappel Le client accepte d’être rappelé (réponse au questionnaire du",
        ),
        (
            {"consent": False, "answered_at": "2026-12-06T09:30:00Z", "touchpoint": None},
            "en",
            "Callback The customer does not wish to be called back (answer to the survey of",
        ),
        (None, "en", "Callback not asked in a survey"),
    ],
)
def test_the_referent_reads_whether_the_customer_may_be_called_back(
    callback: dict[str, Any] | None, language: str, said: str
) -> None:
    card = page_part(
        "partials/_task_summary.html", language, t=task(callback=callback), named=NAMED, causes=[]
    )
    assert said in card


def test_the_system_s_changes_are_signed_in_the_page_s_language() -> None:
    trail = page_part("partials/_audit.html", "fr", t=task())
    assert "système · ouverte" in trail
    assert "lea-bernard · prise en compte" in trail
    assert "system" not in trail


def test_a_key_named_after_a_referent_signs_with_the_referent_s_name() -> None:
    """Lea's key is named "lea", her id in the map: her comment and her change read "Léa
    Bernard"; a key of another name keeps its name."""
    comment = {"author": "lea", "created_at": "2026-12-06T06:30:00+00:00", "body": "Rappelée."}
    changes = [
        {
            "changed_at": "2026-12-06T06:00:00+00:00",
            "actor": "lea",
            "change": "acknowledged",
            "fields": ["status"],
        },
        {
            "changed_at": "2026-12-06T07:00:00+00:00",
            "actor": "ops-desk",
            "change": "commented",
            "fields": ["comment"],
        },
    ]
    trail = page_part(
        "partials/_audit.html", "fr", t=task(comments=[comment], changes=changes), named=NAMED
    )
    assert "Léa Bernard · 6 déc." in trail
    assert "Léa Bernard · prise en compte" in trail
    assert "ops-desk · " in trail
    assert "lea ·" not in trail


def health(language: str, **endpoint: Any) -> str:
    """The operations page's health cell of one disabled endpoint, as it reads."""
    found = {"id": "e1", "url": "https://hooks.example.com/cx", "owner_email": None}
    found |= {"department": "logistics", "event_types": ["alert.raised"], "enabled": False}
    found |= {"failing_since": None, **endpoint}
    view = {"endpoints": {"ok": True, "data": [disabled(found)]}}
    return page_part(
        "partials/_op_webhooks.html",
        language,
        view=view,
        writer=False,
        refused=None,
        csrf="",
        flash=None,
    )


@pytest.mark.parametrize(
    ("coded", "english", "french"),
    [
        (
            {"code": "gone", "status_code": 410},
            "gone: the endpoint answered HTTP 410",
            "supprimé\u00a0: le point de terminaison a répondu HTTP 410",
        ),
        (
            {"code": "failing", "failing_since": "2026-12-05T08:00:00+00:00"},
            "failing since 5 Dec 2026, 09:00",
            "en échec depuis le 5 déc. 2026, 09:00",
        ),
        ({"code": "disabled_by", "by": "ops"}, "disabled by ops", "désactivé par ops"),
    ],
)
def test_why_an_endpoint_is_disabled_is_worded_from_its_code(
    coded: dict[str, Any], english: str, french: str
) -> None:
    endpoint = {"disabled_reason": "the API's words", "coded_disabled_reason": coded}
    assert english in health("en", **endpoint)
    assert french in health("fr", **endpoint)
    assert "the API's words" not in health("fr", **endpoint)


@pytest.mark.parametrize(
    "coded",
    [
        None,  # disabled before the codes
        {"code": "a_newer_reason"},
        {"code": "failing", "failing_since": "yesterday"},
        {"code": "gone"},
        "gone",
    ],
)
def test_a_disabling_the_console_cannot_word_shows_the_api_s_text(coded: Any) -> None:
    page = health("fr", disabled_reason="the API's words", coded_disabled_reason=coded)
    assert "désactivé the API's words" in page


@pytest.mark.parametrize(
    ("why", "french"),
    [
        ("stalled", "arrêté (bloqué, relancé après une pause)"),
        (
            "dead_letter_limit",
            "(trop de lettres mortes, arrêté jusqu’au redémarrage de son processus)",
        ),
        ("a_newer_reason", "arrêté (a_newer_reason)"),
    ],
)
def test_why_a_consumer_is_stopped_in_the_page_s_language(why: str, french: str) -> None:
    consumer = {"name": "alert-rules", "stopped": [why], "groups": ["g"], "topics": ["t"]}
    consumer |= {"services": ["alerts"], "partitions": 1, "lag": 0, "dead_letters": 0}
    view = {"consumers": {"alerts": {"ok": True}}, "consumer_rows": [consumer]}
    assert french in page_part("partials/_op_consumers.html", "fr", view=view)


@pytest.mark.parametrize(("language", "written"), [("en", "42%"), ("fr", "42\u00a0%")])
def test_a_percentage_is_written_as_the_page_s_language_writes_it(
    language: str, written: str
) -> None:
    """English sticks the sign to its number; French keeps a no-break space before it."""
    environment = RENDERER._environments[language]
    macros = '{% import "committee/_macros.html" as m with context %}{{ m.pct(0.42) }}'
    assert environment.from_string(macros).render(lang=language).strip() == written
