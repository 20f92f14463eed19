"""docs/asyncapi.yaml is the generated document, valid AsyncAPI 3.0, true to what is sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cxloop.cli import main
from shared.events.asyncapi import render
from shared.events.envelope import EVENT_MODELS, encode
from shared.events.privacy import CustomerErasureRequested
from shared.events.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"
# The official JSON Schema of AsyncAPI 3.0.0, from @asyncapi/specs (tests/vendor/asyncapi).
SPEC_SCHEMA = ROOT / "tests" / "vendor" / "asyncapi" / "asyncapi-3.0.0.schema.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    return loaded


def test_the_committed_document_is_the_generated_one() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/asyncapi.yaml is out of date: regenerate it with "
        "`.venv/bin/cxloop asyncapi > docs/asyncapi.yaml`"
    )


def test_cxloop_asyncapi_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["asyncapi"]) == 0
    assert capsys.readouterr().out == render()


def test_it_is_valid_asyncapi_3(document: dict[str, Any]) -> None:
    schema = json.loads(SPEC_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, errors[:10]


def test_the_validation_catches_a_broken_document(document: dict[str, Any]) -> None:
    # The vendored schema reaches into payload schemas and Kafka bindings, not only the top.
    validator = jsonschema.Draft7Validator(json.loads(SPEC_SCHEMA.read_text(encoding="utf-8")))
    broken = json.loads(json.dumps(document))
    broken["components"]["schemas"]["AlertChanged"]["type"] = 5
    broken["channels"]["alerts"]["bindings"]["kafka"]["partitons"] = 1
    assert len(list(validator.iter_errors(broken))) == 2


def test_every_topic_is_a_channel_and_every_event_type_a_message(
    document: dict[str, Any],
) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {topic.name for topic in ALL_TOPICS}
    messages = document["components"]["messages"].values()
    headers = [m["headers"]["properties"] for m in messages if "headers" in m]
    types = {h["ce_type"]["const"] for h in headers if "ce_type" in h}
    assert set(EVENT_MODELS) <= types
    assert all(channel["messages"] for channel in document["channels"].values())
    for message in messages:
        assert message["bindings"]["kafka"]["key"]["description"]


def test_a_record_as_sent_matches_its_message(document: dict[str, Any]) -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    event = CustomerErasureRequested(
        event_id="erasure:era_1", customer_id="c-42", erasure_id="era_1", requested_at=now
    )
    record = encode(event, "/cxloop/actions")
    message = document["components"]["messages"]["CustomerErasureRequested"]
    headers = {name: value.decode() for name, value in record.headers.items()}
    jsonschema.validate(headers, message["headers"], format_checker=jsonschema.FormatChecker())
    payload_schema = {**message["payload"], "components": document["components"]}
    jsonschema.validate(json.loads(record.value), payload_schema)
    assert record.key == "c-42"
