"""The operations page's pure parts: an uploaded document read safely, a 422's field errors
placed on the lines they name, and consumers read from a service's /metrics."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from services.actions.config import ActionsSettings
from services.actions.consumers import consumer_specs as actions_consumers
from services.alerts.config import AlertsSettings
from services.alerts.consumers import consumer_specs as alerts_consumers
from services.console.operations.consumers import Consumer, consumers, merged, service_of
from services.console.operations.documents import MAX_BYTES, Unreadable, locate, read
from services.console.operations.views import SERVICES
from services.scoring.config import ScoringSettings
from services.scoring.consumers import consumer_specs as scoring_consumers

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


def test_a_consumers_instances_count_on_its_row() -> None:
    """Scoring's experience consumer runs as two instances, each with its dead letters and
    its stop: one row, theirs summed, not a row per instance without a group or a lag."""
    metrics = """\
# TYPE cxloop_consumer_lag gauge
cxloop_consumer_lag{consumer="experience",group="scoring",topic="cx.interactions",partition="0"} 2.0
cxloop_consumer_lag{consumer="experience",group="scoring",topic="cx.interactions",partition="1"} 1.0
# TYPE cxloop_dead_letters counter
cxloop_dead_letters_total{consumer="experience#0",reason="undecodable"} 2.0
cxloop_dead_letters_total{consumer="experience#1",reason="undecodable"} 1.0
# TYPE cxloop_consumer_stopped gauge
cxloop_consumer_stopped{consumer="experience#0",reason="stalled"} 0.0
cxloop_consumer_stopped{consumer="experience#1",reason="stalled"} 1.0
"""
    (experience,) = consumers(metrics)

    assert (experience.name, experience.groups, experience.lag) == ("experience", {"scoring"}, 3)
    assert (experience.dead_letters, experience.stopped) == (3, ["stalled"])


# One process running scoring, alerts and actions, as the tests and a laptop do: each
# service's /metrics reports every consumer of the process, and three are named privacy.
ONE_PROCESS = """\
# TYPE cxloop_consumer_lag gauge
cxloop_consumer_lag{consumer="experience",group="scoring",topic="cx.interactions",partition="0"} 2.0
cxloop_consumer_lag{consumer="privacy",group="scoring-privacy",topic="cx.privacy",partition="0"} 0.0
cxloop_consumer_lag{consumer="rules",group="alerts-rules",topic="cx.moments",partition="0"} 1.0
cxloop_consumer_lag{consumer="privacy",group="alerts-privacy",topic="cx.privacy",partition="0"} 0.0
cxloop_consumer_lag{consumer="tasks",group="actions-tasks",topic="cx.alerts",partition="0"} 3.0
cxloop_consumer_lag{consumer="privacy",group="actions-privacy",topic="cx.privacy",partition="0"} 1.0
"""


def test_consumers_of_one_name_in_one_process_keep_their_own_dead_letters() -> None:
    """Scoring, alerts and actions in one process each run a consumer named privacy: the
    group on their dead letters and stops keeps each on its own row; a release whose
    metrics carry no group counts them on every row of the name, as before."""
    metrics = (
        ONE_PROCESS
        + """\
# TYPE cxloop_dead_letters counter
cxloop_dead_letters_total{consumer="privacy",group="alerts-privacy",reason="rejected"} 2.0
# TYPE cxloop_consumer_stopped gauge
cxloop_consumer_stopped{consumer="privacy",group="scoring-privacy",reason="stalled"} 1.0
cxloop_consumer_stopped{consumer="rules",group="alerts-rules",reason="stalled"} 0.0
"""
    )
    found = {tuple(c.groups): c for c in consumers(metrics)}

    assert found[("alerts-privacy",)].dead_letters == 2
    assert found[("scoring-privacy",)].stopped == ["stalled"]
    others = [c for g, c in found.items() if g not in {("alerts-privacy",), ("scoring-privacy",)}]
    assert all((c.dead_letters, c.stopped) == (0, []) for c in others)


def test_a_consumer_with_dead_letters_and_no_lag_yet_names_its_group() -> None:
    metrics = """\
# TYPE cxloop_dead_letters counter
cxloop_dead_letters_total{consumer="rules",group="alerts-rules",reason="undecodable"} 1.0
"""
    (rules,) = consumers(metrics)
    assert (rules.name, rules.groups, rules.dead_letters) == ("rules", {"alerts-rules"}, 1)
    assert service_of(rules, SERVICES) == "alerts"


def test_each_consumer_names_the_service_that_runs_it() -> None:
    """Every service of the process reports every consumer: each row names the one whose
    group it is (``scoring``, ``alerts-rules``), not all four."""
    reported = {service: consumers(ONE_PROCESS) for service in SERVICES}
    rows = merged(reported, SERVICES)
    assert [(c.services, c.name, sorted(c.groups)) for c in rows] == [
        (["actions"], "privacy", ["actions-privacy"]),
        (["actions"], "tasks", ["actions-tasks"]),
        (["alerts"], "privacy", ["alerts-privacy"]),
        (["alerts"], "rules", ["alerts-rules"]),
        (["scoring"], "experience", ["scoring"]),
        (["scoring"], "privacy", ["scoring-privacy"]),
    ]
    assert [c.lag for c in rows] == [1, 3, 0, 1, 2, 0]
    assert merged(reported, SERVICES) == rows  # the parts read are left as they were


def test_a_consumer_of_a_service_that_does_not_answer_still_names_it() -> None:
    """alerts is down; actions, in the same process, still reports alerts' consumers."""
    rows = merged({"scoring": consumers(ONE_PROCESS), "actions": consumers(ONE_PROCESS)}, SERVICES)
    assert (["alerts"], "rules") in [(c.services, c.name) for c in rows]


def test_a_consumer_read_twice_while_its_lag_moved_is_one_row() -> None:
    later = ONE_PROCESS.replace('partition="0"} 3.0', 'partition="0"} 5.0')
    rows = merged({"alerts": consumers(ONE_PROCESS), "actions": consumers(later)}, SERVICES)
    assert [c.lag for c in rows if c.name == "tasks"] == [5]  # its own service's reading


def test_a_group_that_names_no_service_is_said_reported_by_those_that_report_it() -> None:
    found = consumers(METRICS.replace("actions-tasks", "tasks-legacy"))
    rows = merged({"alerts": found, "actions": found}, SERVICES)
    assert [(c.name, c.services) for c in rows] == [
        ("privacy", ["actions"]),
        ("tasks", ["alerts", "actions"]),
    ]


def test_every_services_consumer_groups_are_named_after_it() -> None:
    """What the operations page tells a consumer's service by."""
    experience = SimpleNamespace(apply=None)
    specs = {
        "scoring": scoring_consumers(ScoringSettings(), experience),  # type: ignore[arg-type]
        "alerts": alerts_consumers(AlertsSettings(), None, None),  # type: ignore[arg-type]
        "actions": actions_consumers(ActionsSettings(), None, None),  # type: ignore[arg-type]
    }
    for service, found in specs.items():
        for spec in found:
            consumer = Consumer(spec.name, groups={spec.group})
            assert service_of(consumer, SERVICES) == service, spec.group
