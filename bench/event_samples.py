"""One realistic event of every type in ``EVENT_MODELS``, optional fields filled, for the
codec micro-benchmark (``codec.py``) and the envelope's interoperability tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from shared.events.actions import (
    InvitationReason,
    SurveyInvitationRequested,
    TaskChange,
    TaskChanged,
    TaskStatus,
)
from shared.events.alerts import AlertChange, AlertChanged, AlertRule
from shared.events.privacy import CustomerErased, CustomerErasureRequested
from shared.events.schemas import (
    Channel,
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    MomentEvaluated,
    Outcome,
    Polarity,
    SurveyAnswered,
    Verbatim,
    VerbatimTopic,
)
from shared.journey import JourneyMap, JourneyMapPublished

RETAILER_MAP = (
    Path(__file__).resolve().parents[1] / "services/actions/journey/examples/retailer.yaml"
)
# With microseconds: the time attribute must keep them both ways.
AT = datetime(2026, 5, 1, 8, 0, 12, 345678, tzinfo=UTC)
CUSTOMER = "c-0042"


def verbatim() -> Verbatim:
    return Verbatim(
        moment_id="moment:s-1",
        text="Livraison en retard de trois jours, personne ne répond au téléphone.",
        language="fr",
        sentiment=-0.8,
        sentiment_class="negative",
        emotions={"anger": 0.7, "frustration": 0.9},
        topics=[VerbatimTopic(id="late-delivery", kind="root_cause", sentiment=-0.8)],
        uncovered_terms=["téléphone", "personne répondre"],
    )


def interaction() -> InteractionRecorded:
    return InteractionRecorded(
        event_id="i-1",
        customer_id=CUSTOMER,
        touchpoint="call-centre",
        channel=Channel.PHONE,
        occurred_at=AT,
        outcome=Outcome.FAILURE,
        wait_seconds=640.5,
        duration_seconds=312.0,
        transfers=2,
        employee_id="agent-7",
        employee_ease=3,
        attributes={"queue": "after-sales", "priority": 2, "vip": False, "note": None},
        received_at=AT + timedelta(seconds=1),
    )


def survey() -> SurveyAnswered:
    return SurveyAnswered(
        event_id="s-1",
        customer_id=CUSTOMER,
        touchpoint="home-delivery",
        interaction_event_id="i-1",
        answered_at=AT,
        nps=3,
        csat=2,
        ces=2,
        expected=4,
        perceived=2,
        verbatim="Livraison en retard de trois jours.",
        language="fr-FR",
        received_at=AT + timedelta(seconds=1),
        invitation_id="inv_1",
        callback_consent=True,
    )


def nps_only() -> SurveyAnswered:
    """A survey answer with its required fields and an NPS alone (no optional field)."""
    return SurveyAnswered(
        event_id="s-1",
        customer_id="c-1",
        touchpoint="delivery",
        answered_at=datetime(2026, 5, 1, 8, 0, tzinfo=UTC),
        nps=9,
        received_at=datetime(2026, 5, 1, 8, 1, tzinfo=UTC),
    )


def profile() -> CustomerProfileUpdated:
    return CustomerProfileUpdated(
        event_id="p-1",
        customer_id=CUSTOMER,
        persona="busy-parent",
        value_tier="gold",
        locale="fr-FR",
        timezone="Europe/Paris",
        survey_opt_out=False,
        updated_at=AT,
        received_at=AT + timedelta(seconds=1),
    )


def moment() -> MomentEvaluated:
    return MomentEvaluated(
        event_id="moment:s-1",
        customer_id=CUSTOMER,
        source_event_id="s-1",
        source="survey",
        touchpoint="home-delivery",
        known_touchpoint=True,
        moment_of_truth=True,
        moment_of_pain=False,
        occurred_at=AT,
        valence=-0.6111111111111112,
        weight=3.0,
        polarity=Polarity.NEGATIVE,
        lxi_before=61.25,
        lxi_after=48.0,
        persona="busy-parent",
        value_tier="gold",
        nps=3,
        csat=2,
        ces=2,
        outcome=Outcome.FAILURE,
        wait_over_threshold=True,
        repeat_contact=True,
        transfers=2,
        verbatim=verbatim(),
        source_received_at=AT + timedelta(seconds=1),
    )


def alert() -> AlertChanged:
    return AlertChanged(
        event_id="alert:al_1:1",
        customer_id=CUSTOMER,
        alert_id="al_1",
        change=AlertChange.RAISED,
        rule=AlertRule.NEGATIVE_MOMENT_OF_TRUTH,
        level="customer",
        touchpoint="home-delivery",
        department="logistics",
        referent="lea-bernard",
        severity=4,
        priority=7.5,
        occurrences=1,
        moment_ids=["moment:s-1"],
        summary="Negative moment of truth at home-delivery (NPS 3)",
        persona="busy-parent",
        value_tier="gold",
        lxi=48.0,
        verbatims=[verbatim()],
        changed_at=AT,
        source_received_at=AT + timedelta(seconds=1),
    )


def task() -> TaskChanged:
    return TaskChanged(
        event_id="task:t_1:1",
        customer_id=CUSTOMER,
        task_id="t_1",
        change=TaskChange.OPENED,
        status=TaskStatus.OPEN,
        touchpoint="home-delivery",
        department="logistics",
        referent="lea-bernard",
        priority="high",
        priority_score=7.5,
        severity=4,
        escalation_level=1,
        escalation_contact="logistics-oncall@example.com",
        due_at=AT + timedelta(days=1),
        occurrences=1,
        alert_ids=["al_1"],
        root_cause="late-delivery",
        suggested_root_cause="late-delivery",
        verbatims=[verbatim()],
        resolution="Refund of the delivery fee",
        customer_recontacted=True,
        persona="busy-parent",
        value_tier="gold",
        lxi_at_opening=48.0,
        opened_at=AT,
        resolved_at=AT + timedelta(hours=5),
        actor="system",
        summary="Late delivery",
        changed_at=AT,
        source_received_at=AT + timedelta(seconds=1),
    )


def invitation() -> SurveyInvitationRequested:
    return SurveyInvitationRequested(
        event_id="invitation:d_1",
        customer_id=CUSTOMER,
        decision_id="d_1",
        touchpoint="home-delivery",
        channel=Channel.EMAIL,
        reason=InvitationReason.RECOVERY,
        source_event_id="i-1",
        task_id="t_1",
        department="logistics",
        persona="busy-parent",
        locale="fr-FR",
        requested_at=AT,
        source_received_at=AT + timedelta(seconds=1),
        invitation_id="inv_1",
        link="https://surveys.example.com/s/abcdef",
        expires_at=AT + timedelta(days=14),
    )


def erasure_requested() -> CustomerErasureRequested:
    return CustomerErasureRequested(
        event_id="erasure:era_1",
        customer_id=CUSTOMER,
        erasure_id="era_1",
        requested_at=AT,
        requested_by="dpo",
    )


def erased() -> CustomerErased:
    return CustomerErased(
        event_id="erased:era_1:scoring",
        customer_id=CUSTOMER,
        erasure_id="era_1",
        service="scoring",
        erased={"signal": 12, "experience": 1},
        erased_at=AT,
    )


def journey_map() -> JourneyMapPublished:
    document: dict[str, Any] = yaml.safe_load(RETAILER_MAP.read_text(encoding="utf-8"))
    return JourneyMapPublished(
        event_id="journey-map-v3",
        version=3,
        published_at=AT,
        map=JourneyMap.model_validate(document),
    )


def samples() -> dict[str, Event]:
    """One event per ``ce_type``."""
    events: list[Event] = [
        interaction(),
        survey(),
        profile(),
        moment(),
        alert(),
        task(),
        invitation(),
        erasure_requested(),
        erased(),
        journey_map(),
    ]
    return {event.ce_type: event for event in events}
