"""The operations page's pure parts: an uploaded document read safely, a 422's field errors
placed on the lines they name, and consumers read from a service's /metrics."""

from __future__ import annotations

import pytest

from services.console.operations.consumers import consumers, merged
from services.console.operations.documents import MAX_BYTES, Unreadable, locate, read

MAP = """\
name: shop
touchpoints:
  - id: checkout
    weight: 2
  - id: delivery
    weight: -2
"""


def test_json_and_yaml_read_the_same() -> None:
    assert read('{"name": "shop", "weights": [1, 2]}') == read("name: shop\nweights: [1, 2]\n")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("  \n", "empty"),
        ("a: " + "x" * MAX_BYTES, "too_large"),
        ("a: [unclosed\n", "unreadable"),
        ("a: &x [1]\nb: *x\n", "alias"),  # aliases would let a small text grow huge
        ("[" * 100 + "]" * 100, "too_deep"),
    ],
)
def test_what_is_not_read(text: str, code: str) -> None:
    with pytest.raises(Unreadable) as refused:
        read(text)
    assert refused.value.code == code


def test_an_unreadable_text_says_where_reading_stopped() -> None:
    with pytest.raises(Unreadable) as refused:
        read("defaults:\n  experience_drop:\n    floor: [35\n")
    assert (refused.value.code, refused.value.line, refused.value.column) == ("unreadable", 4, 1)
    with pytest.raises(Unreadable) as alias:
        read("a: &base [1]\nb: *base\n")
    assert (alias.value.name, alias.value.line, alias.value.column) == ("base", 2, 4)


def test_a_field_error_lands_on_the_line_of_its_key() -> None:
    errors = [{"field": "touchpoints.1.weight", "message": "must be positive"}]
    (found,) = locate(MAP, errors)
    assert (found.line, found.text, found.message) == (6, "    weight: -2", "must be positive")


def test_a_missing_field_lands_on_its_parent() -> None:
    (found,) = locate(MAP, [{"field": "touchpoints.1.name", "message": "required"}])
    assert (found.line, found.text) == (5, "  - id: delivery")


def test_an_error_about_the_whole_document_lands_on_its_first_line() -> None:
    (found,) = locate(MAP, [{"field": "(body)", "message": "bad"}])
    assert found.line == 1


METRICS = """\
# TYPE cxloop_consumer_lag gauge
cxloop_consumer_lag{consumer="tasks",group="actions-tasks",topic="cx.alerts",partition="0"} 3.0
cxloop_consumer_lag{consumer="tasks",group="actions-tasks",topic="cx.alerts",partition="1"} 4.0
cxloop_consumer_lag{consumer="privacy",group="actions-privacy",topic="cx.privacy",partition="0"} 0.0
# TYPE cxloop_dead_letters counter
cxloop_dead_letters_total{consumer="tasks",reason="undecodable"} 2.0
cxloop_dead_letters_total{consumer="tasks",reason="rejected"} 1.0
# TYPE cxloop_consumer_stopped gauge
cxloop_consumer_stopped{consumer="privacy",reason="dead_letter_limit"} 1.0
cxloop_consumer_stopped{consumer="tasks",reason="stalled"} 0.0
# TYPE cxloop_events_produced counter
cxloop_events_produced_total{topic="cx.alerts",outcome="acknowledged"} 9.0
"""


def test_consumers_from_metrics() -> None:
    privacy, tasks = consumers(METRICS)
    assert (tasks.name, tasks.lag, tasks.partitions, tasks.dead_letters) == ("tasks", 7, 2, 3)
    assert (tasks.groups, tasks.topics, tasks.stopped) == ({"actions-tasks"}, {"cx.alerts"}, [])
    assert (privacy.lag, privacy.stopped) == (0, ["dead_letter_limit"])


def test_consumers_reported_the_same_by_several_services_are_one_row() -> None:
    by_service = {"alerts": consumers(METRICS), "actions": consumers(METRICS)}
    assert merged(by_service) == merged(by_service)  # the parts read are left as they were
    rows = merged(by_service)
    assert [(c.name, c.services) for c in rows] == [
        ("privacy", ["alerts", "actions"]),
        ("tasks", ["alerts", "actions"]),
    ]
