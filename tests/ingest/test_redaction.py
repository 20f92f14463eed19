"""Verbatims leave ingest without e-mail addresses, IBANs, card-like numbers, national identity
numbers or phone numbers, nor the controls that force a text's direction."""

from __future__ import annotations

import json

import httpx
import pytest
from pydantic import ValidationError

from services.ingest.config import IngestSettings
from services.ingest.signals.redaction import CARD, EMAIL, IBAN, ID_NUMBER, PHONE, Redactor
from tests.conftest import Infra, consume
from tests.ingest.factories import create_survey_response

redactor = Redactor(["FR", "GB", "US"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to marie.dupont+sav@example.co.uk please", f"write to {EMAIL} please"),
        ("card 4111 1111 1111 1111 was charged twice", f"card {CARD} was charged twice"),
        ("card 4111-1111-1111-1111.", f"card {CARD}."),
        ("amex 378282246310005", f"amex {CARD}"),
        ("call me on 06 12 34 56 78", f"call me on {PHONE}"),
        ("or +44 20 7946 0958 in London", f"or {PHONE} in London"),
        ("US line (415) 555-2671 anytime", f"US line {PHONE} anytime"),
        ("mobile 0612345678, thanks", f"mobile {PHONE}, thanks"),
        # an IBAN whole, as written, in groups or not, its checksum right or not
        ("refund to FR76 3000 6000 0112 3456 7890 189 please", f"refund to {IBAN} please"),
        ("IBAN: FR7630006000011234567890189.", f"IBAN: {IBAN}."),
        ("rib fr76-3000-6000-0112-3456-7890-180", f"rib {IBAN}"),
        ("GB29 NWBK 6016 1331 9268 19 is mine", f"{IBAN} is mine"),
        ("DE89 3704 0044 0532 0130 00, danke", f"{IBAN}, danke"),
        ("NL91ABNA0417164300 et FR76 3000 6000 0112 3456 7890 1890 pour", f"{IBAN} et {IBAN} pour"),
        # national identity numbers: a US SSN, a UK National Insurance number, a French NIR
        ("my SSN is 123-45-6789.", f"my SSN is {ID_NUMBER}."),
        ("ssn 123 45 6789 on file", f"ssn {ID_NUMBER} on file"),
        ("NI number AB 12 34 56 C, thanks", f"NI number {ID_NUMBER}, thanks"),
        ("ni: ab123456c", f"ni: {ID_NUMBER}"),
        ("mon numéro de sécu 1 85 05 78 006 084 36 !", f"mon numéro de sécu {ID_NUMBER} !"),
        (
            "NIR 2850578006084, né en Corse 1 85 05 2A 006 084 36",
            f"NIR {ID_NUMBER}, né en Corse {ID_NUMBER}",
        ),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "order 12345 arrived 2 days late, 3 items out of 4",
        "waited 45 minutes on 12/03/2026 at 10:30",
        "twelve digits 123456789012 is not a card",
        "twenty digits 12345678901234567890 is not a card either",
        "reference A-2026-0042, price 129.99 EUR",
        "le colis FR12 est arrivé mais pas le reste de la commande",
        "model XR12 bought in march 2026",
        # shaped like an identity number, but none can be one
        "ordered on 2024-11-26, tracking 123-45-67890",
        "invoice 666-12-3456 and 000-12-3456",
        "ticket AB-12-34-56, my case QQ 12 34 56 C",
    ],
)
def test_ordinary_numbers_are_kept(text: str) -> None:
    assert redactor.redact(text) == text


def test_the_controls_that_force_a_direction_go_and_the_words_stay() -> None:
    assert redactor.redact("\u202eC'est top\u202c service nul") == "C'est top service nul"
    assert redactor.redact("\u2067שלום\u2069 ok") == "שלום ok"
    # the marks a right-to-left text may need, and the joiner of an emoji, are kept
    kept = "\u200fשירות גרוע\u200f 👨\u200d👩\u200d👧"
    assert redactor.redact(kept) == kept


def test_the_language_region_is_tried_first() -> None:
    only_us = Redactor(["US"])
    assert only_us.redact("rufen Sie 030 12345678 an", "de-DE") == f"rufen Sie {PHONE} an"
    assert only_us.redact("rufen Sie 030 12345678 an") == "rufen Sie 030 12345678 an"


def test_unknown_phone_regions_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown regions"):
        IngestSettings(verbatim_phone_regions=["FR", "XX"])


async def test_a_published_verbatim_is_redacted(client: httpx.AsyncClient, infra: Infra) -> None:
    body = create_survey_response(
        verbatim="Refund never came. Mail me at jo@example.org or call 06 12 34 56 78; "
        "card 5555 5555 5555 4444 was debited.",
        language="fr-FR",
    )

    assert (await client.post("/v1/survey-responses", json=body)).status_code == 202

    (record,) = await consume(
        infra.bootstrap_servers, "cx.survey-responses", 1, ce_id=body["event_id"].encode()
    )
    assert json.loads(record.value)["verbatim"] == (
        f"Refund never came. Mail me at {EMAIL} or call {PHONE}; card {CARD} was debited."
    )


async def test_batch_verbatims_are_redacted(client: httpx.AsyncClient, infra: Infra) -> None:
    body = create_survey_response(verbatim="joignable au +33 6 12 34 56 78")

    response = await client.post("/v1/batch", json={"items": [{"type": "survey_response", **body}]})

    assert response.status_code == 202, response.text
    (record,) = await consume(
        infra.bootstrap_servers, "cx.survey-responses", 1, ce_id=body["event_id"].encode()
    )
    assert json.loads(record.value)["verbatim"] == f"joignable au {PHONE}"
