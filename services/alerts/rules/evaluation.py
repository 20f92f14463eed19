"""The rules applied to one moment after another, raising and changing alerts in memory.

For each moment, in this order:

1. negative moment of truth and moment of pain: one customer alert per (customer,
   touchpoint); while it is open, a new negative there (of either rule) adds an occurrence;
2. experience drop: one customer alert per (customer, touchpoint), raised by a moment that
   lowered the LXI; a drop at another touchpoint is that touchpoint's owner's to correct;
3. systemic spike: one committee alert per touchpoint, raised when a window is above target;
   while above, a negative moment in a later minute than the alert's last change adds an
   occurrence (at most one a minute); recovered when no window is above target and one has
   the volume to say so, by a moment no earlier than the alert's last change;
4. emerging irritant: one committee alert per (touchpoint, term), raised by a moment whose
   verbatim holds a term no taxonomy entry covers (scoring says which) once the term
   emerges (see ``EmergingIrritantRule``); one alert per group of emerging terms that share
   a word (``triggers.to_raise``); while it emerges, a moment holding the term in a later
   minute than the alert's last change adds an occurrence; recovered as soon as a moment
   with a verbatim at the touchpoint, no earlier than the alert's last change, finds it no
   longer emerging. Only moments with a verbatim count, in UTC days.

The clock is the moment's ``occurred_at``. An alert is open while its status is open and its
last change is at most the open lifetime (``ALERT_OPEN_DAYS``) before the moment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from services.alerts.rules import triggers
from services.alerts.rules.models import AlertStatus
from services.alerts.rules.rulebook import (
    EmergingIrritantRule,
    ExperienceDropRule,
    RuleBook,
    RuleSet,
    SystemicSpikeRule,
)
from services.alerts.rules.state import Alert, BatchState, minute_of
from services.alerts.rules.triggers import LxiStep, WindowCount
from shared.emerging import TermCounts
from shared.events.alerts import AlertChange, AlertChanged, AlertReason, AlertRule
from shared.events.schemas import MomentEvaluated, Polarity, Verbatim

CUSTOMER, COMMITTEE = "customer", "committee"
DROP_KEY = "experience_drop"  # then ":<touchpoint>" (see drop_key)
TITLES = {
    AlertRule.NEGATIVE_MOMENT_OF_TRUTH: "Negative moment of truth",
    AlertRule.MOMENT_OF_PAIN: "Moment of pain",
    AlertRule.EXPERIENCE_DROP: "Experience drop",
    AlertRule.SYSTEMIC_SPIKE: "Systemic spike",
    AlertRule.EMERGING_IRRITANT: "Emerging irritant",
}
MAX_SUMMARY = 1000


@dataclass(frozen=True)
class Finding:
    """A rule that fires on a moment, and where its occurrences gather."""

    rule: AlertRule
    dedupe_key: str
    severity: int
    reasons: list[AlertReason]
    committee: bool = False
    term: str | None = None

    def summary(self, touchpoint: str | None) -> str:
        where = f" at {touchpoint}" if touchpoint else ""
        return f"{TITLES[self.rule]}{where}: {_texts(self.reasons)}"[:MAX_SUMMARY]


def _texts(reasons: list[AlertReason]) -> str:
    return "; ".join(r.text for r in reasons)


class Evaluator:
    def __init__(self, book: RuleBook, state: BatchState, lifetime: timedelta) -> None:
        self.book = book
        self.state = state
        self.lifetime = lifetime

    def evaluate(self, moment: MomentEvaluated) -> None:
        rules = self.book.rules(moment.touchpoint)
        self._customer_touchpoint(moment, rules)
        self._drop(moment, rules.experience_drop)
        if moment.touchpoint is not None:
            self._spike(moment, moment.touchpoint, rules.systemic_spike)
            self._irritants(moment, moment.touchpoint, rules.emerging_irritant)

    def _customer_touchpoint(self, moment: MomentEvaluated, rules: RuleSet) -> None:
        negative = triggers.negative_moment_of_truth(moment, rules.negative_moment_of_truth)
        if self.book.relationship_owner() is not None:
            negative += triggers.relationship_detractor(moment, rules.negative_moment_of_truth)
        pain = triggers.moment_of_pain(moment, rules.moment_of_pain)
        if not (negative or pain):
            return
        severity = max(
            triggers.negative_severity(moment) if negative else 0,
            triggers.pain_severity(moment) if pain else 0,
        )
        rule = AlertRule.NEGATIVE_MOMENT_OF_TRUTH if negative else AlertRule.MOMENT_OF_PAIN
        key = f"touchpoint:{moment.touchpoint or ''}"
        self._record(moment, Finding(rule, key, severity, [*negative, *pain]))

    def _drop(self, moment: MomentEvaluated, rule: ExperienceDropRule) -> None:
        steps = self.state.steps.setdefault(moment.customer_id, [])
        reasons = triggers.experience_drop(moment, rule, steps)
        steps.append(LxiStep(moment.occurred_at, moment.lxi_before, moment.lxi_after))
        self.state.new_steps.append(
            {
                "customer_id": moment.customer_id,
                "moment_id": moment.event_id,
                "at": moment.occurred_at,
                "lxi_before": moment.lxi_before,
                "lxi_after": moment.lxi_after,
            }
        )
        if reasons:
            severity = triggers.drop_severity(moment, rule)
            key = drop_key(moment.touchpoint)
            self._record(moment, Finding(AlertRule.EXPERIENCE_DROP, key, severity, reasons))

    def _spike(self, moment: MomentEvaluated, touchpoint: str, rule: SystemicSpikeRule) -> None:
        minute = minute_of(moment.occurred_at)
        negative = moment.polarity == Polarity.NEGATIVE
        self.state.count(touchpoint, minute, negative)
        if not rule.enabled:
            return
        counts = [
            WindowCount(seconds, *self.state.window(touchpoint, minute, seconds))
            for seconds in rule.windows
        ]
        alert = self._open((None, f"spike:{touchpoint}"), moment)
        above = triggers.spiking(counts, rule)
        if above and alert is None:
            self._raise(moment, _spike_finding(touchpoint, above, rule))
        elif above and alert is not None and negative and minute > minute_of(alert.last_at):
            self._occurrence(alert, moment, _spike_finding(touchpoint, above, rule))
        elif alert and moment.occurred_at >= alert.last_at and triggers.recovered(counts, rule):
            self._recover(alert, moment, [c.describe() for c in counts if c.total])

    def _irritants(
        self, moment: MomentEvaluated, touchpoint: str, rule: EmergingIrritantRule
    ) -> None:
        if moment.verbatim is None:
            return
        day, terms = moment.occurred_at.astimezone(UTC).date(), moment.verbatim.uncovered_terms
        self.state.term_days.count(touchpoint, day, terms)
        if not rule.enabled:
            return
        held = self._open_irritants(touchpoint, moment)
        for term, alert in held.items():
            counts = self.state.term_days.counts(touchpoint, term, day, rule)
            finding = _irritant_finding(touchpoint, term, counts, rule)
            if triggers.emerging(counts, rule):
                if term in terms and minute_of(moment.occurred_at) > minute_of(alert.last_at):
                    self._occurrence(alert, moment, finding)
            elif moment.occurred_at >= alert.last_at:
                self._recover(alert, moment, finding.reasons)
        self._raise_irritants(moment, touchpoint, rule, day)

    def _raise_irritants(
        self, moment: MomentEvaluated, touchpoint: str, rule: EmergingIrritantRule, day: date
    ) -> None:
        assert moment.verbatim is not None
        held = self._open_irritants(touchpoint, moment)
        fresh = [term for term in moment.verbatim.uncovered_terms if term not in held]
        candidates = self._emerging(touchpoint, fresh, day, rule)
        told = [word for term in held for word in term.split()]
        found = dict(candidates)
        for term in triggers.to_raise(candidates, told):
            self._raise(moment, _irritant_finding(touchpoint, term, found[term], rule))

    def _emerging(
        self, touchpoint: str, terms: list[str], day: date, rule: EmergingIrritantRule
    ) -> list[tuple[str, TermCounts]]:
        """Those of ``terms`` that emerge at the touchpoint on ``day``, with their counts."""
        days, found = self.state.term_days, []
        for term in terms:
            # the recent count alone rules most terms out, before the baseline is summed
            if days.recent(touchpoint, term, day, rule) >= rule.min_count:
                counts = days.counts(touchpoint, term, day, rule)
                if triggers.emerging(counts, rule):
                    found.append((term, counts))
        return found

    def _open_irritants(self, touchpoint: str, moment: MomentEvaluated) -> dict[str, Alert]:
        """The touchpoint's open irritant alerts, by term."""
        prefix = irritant_key(touchpoint, "")
        return {
            key[len(prefix) :]: alert
            for (customer, key), alert in self.state.open_alerts.items()
            if customer is None
            and key.startswith(prefix)
            and alert.open_at(moment.occurred_at, self.lifetime)
        }

    def _open(self, key: tuple[str | None, str], moment: MomentEvaluated) -> Alert | None:
        alert = self.state.open_alerts.get(key)
        return alert if alert and alert.open_at(moment.occurred_at, self.lifetime) else None

    def _record(self, moment: MomentEvaluated, finding: Finding) -> None:
        alert = self._open((moment.customer_id, finding.dedupe_key), moment)
        if alert is None:
            self._raise(moment, finding)
        else:
            self._occurrence(alert, moment, finding)

    def _raise(self, moment: MomentEvaluated, finding: Finding) -> None:
        touchpoint = moment.touchpoint
        department, referent = self.book.route(touchpoint)
        if touchpoint is None and finding.rule is AlertRule.NEGATIVE_MOMENT_OF_TRUTH:
            department, referent = self.book.relationship_route()
        customer = None if finding.committee else moment.customer_id
        alert = Alert(
            id=f"alt_{uuid.uuid4().hex}",
            rule=finding.rule.value,
            level=COMMITTEE if finding.committee else CUSTOMER,
            dedupe_key=finding.dedupe_key,
            customer_id=customer,
            touchpoint=touchpoint,
            department=department,
            referent=referent,
            severity=finding.severity,
            priority=0.0,
            status=AlertStatus.OPEN.value,
            occurrences=1,
            first_at=moment.occurred_at,
            last_at=moment.occurred_at,
            changes=0,
            summary=finding.summary(touchpoint),
            summary_reasons=finding.reasons,
            persona=None,
            value_tier=None,
            lxi=None,
            term=finding.term,
            stored=False,
        )
        self._about_customer(alert, moment)
        self.state.open_alerts[alert.key] = alert
        self._change(alert, moment, AlertChange.RAISED, finding.reasons)

    def _occurrence(self, alert: Alert, moment: MomentEvaluated, finding: Finding) -> None:
        alert.occurrences += 1
        alert.severity = max(alert.severity, finding.severity)
        alert.last_at = max(alert.last_at, moment.occurred_at)
        alert.summary = finding.summary(alert.touchpoint)
        alert.summary_reasons = finding.reasons
        self._about_customer(alert, moment)
        self._change(alert, moment, AlertChange.OCCURRENCE, finding.reasons)

    def _recover(self, alert: Alert, moment: MomentEvaluated, why: list[AlertReason]) -> None:
        alert.status = AlertStatus.RECOVERED.value
        alert.last_at = moment.occurred_at
        title = TITLES[AlertRule(alert.rule)]
        alert.summary = f"{title} at {alert.touchpoint} recovered: {_texts(why)}"[:MAX_SUMMARY]
        alert.summary_reasons = why
        self._change(alert, moment, AlertChange.RECOVERED, None)

    def _about_customer(self, alert: Alert, moment: MomentEvaluated) -> None:
        """What a customer alert knows of its customer: as of the latest moment."""
        if alert.level == CUSTOMER:
            alert.persona, alert.value_tier = moment.persona, moment.value_tier
            alert.lxi = moment.lxi_after
        alert.priority = self.book.priority(alert.severity, alert.touchpoint, alert.value_tier)

    def _change(
        self,
        alert: Alert,
        moment: MomentEvaluated,
        change: AlertChange,
        reasons: list[AlertReason] | None,
    ) -> None:
        """Record a change; ``reasons`` None: the moment is not one of the alert's causes."""
        alert.changes += 1
        self.state.touched[alert.id] = alert
        if reasons is not None:
            self.state.alert_moments.append(_alert_moment(alert, moment, reasons))
        event = _event(alert, change, [moment.event_id] if reasons is not None else [], moment)
        self.state.events.append(event)
        self.state.alert_changes.append(
            {
                "alert_id": alert.id,
                "number": alert.changes,
                "moment_id": moment.event_id,
                "change": change.value,
                "changed_at": event.changed_at,
                "event": event.model_dump(mode="json"),
            }
        )


def _spike_finding(touchpoint: str, above: list[WindowCount], rule: SystemicSpikeRule) -> Finding:
    reasons = [*(c.describe() for c in above), triggers.target(rule)]
    severity = triggers.SPIKE_SEVERITY
    return Finding(AlertRule.SYSTEMIC_SPIKE, f"spike:{touchpoint}", severity, reasons, True)


def drop_key(touchpoint: str | None) -> str:
    """Where a customer's drops gather: one alert per touchpoint, as each is one department's
    task; the relationship survey's (no touchpoint) under ``experience_drop:``."""
    return f"{DROP_KEY}:{touchpoint or ''}"


def irritant_key(touchpoint: str, term: str) -> str:
    return f"irritant:{touchpoint}:{term}"


def _irritant_finding(
    touchpoint: str, term: str, counts: TermCounts, rule: EmergingIrritantRule
) -> Finding:
    reasons = [triggers.describe_term(term, counts, rule)]
    severity = triggers.IRRITANT_SEVERITY
    key = irritant_key(touchpoint, term)
    return Finding(AlertRule.EMERGING_IRRITANT, key, severity, reasons, True, term)


def _alert_moment(
    alert: Alert, moment: MomentEvaluated, reasons: list[AlertReason]
) -> dict[str, Any]:
    """The moment as the rules saw it; ``details.reasons`` in words, ``details.coded_reasons``
    the same with their codes and figures."""
    details = moment.model_dump(
        mode="json",
        include={
            "source",
            "source_event_id",
            "polarity",
            "weight",
            "moment_of_truth",
            "moment_of_pain",
            "lxi_before",
            "lxi_after",
            "nps",
            "csat",
            "ces",
            "expected",
            "perceived",
            "outcome",
            "wait_over_threshold",
            "wait_seconds",
            "wait_threshold_seconds",
            "repeat_contact",
            "transfers",
            "persona",
            "value_tier",
            "verbatim",
        },
    )
    return {
        "alert_id": alert.id,
        "moment_id": moment.event_id,
        "change": alert.changes,
        "customer_id": moment.customer_id,
        "touchpoint": moment.touchpoint,
        "valence": moment.valence,
        "occurred_at": moment.occurred_at,
        "details": {
            **details,
            "reasons": [r.text for r in reasons],
            "coded_reasons": [r.model_dump(mode="json") for r in reasons],
        },
    }


def _verbatims(alert: Alert, moment_ids: list[str], moment: MomentEvaluated) -> list[Verbatim]:
    """The customer's words on a customer alert's change that the moment caused; a
    committee alert speaks for a touchpoint, not for one customer's words."""
    if alert.level != CUSTOMER or not moment_ids or moment.verbatim is None:
        return []
    return [moment.verbatim.model_copy(update={"uncovered_terms": []})]


def _event(
    alert: Alert, change: AlertChange, moment_ids: list[str], moment: MomentEvaluated
) -> AlertChanged:
    return AlertChanged(
        event_id=f"alert:{alert.id}:{alert.changes}",
        customer_id=alert.customer_id or f"touchpoint:{alert.touchpoint}",
        alert_id=alert.id,
        change=change,
        rule=AlertRule(alert.rule),
        level=alert.level,
        touchpoint=alert.touchpoint,
        department=alert.department,
        referent=alert.referent,
        severity=alert.severity,
        priority=alert.priority,
        occurrences=alert.occurrences,
        moment_ids=moment_ids,
        summary=alert.summary,
        summary_reasons=alert.summary_reasons,
        persona=alert.persona,
        value_tier=alert.value_tier,
        lxi=alert.lxi,
        term=alert.term,
        verbatims=_verbatims(alert, moment_ids, moment),
        changed_at=moment.occurred_at,
        source_received_at=moment.source_received_at,
    )
