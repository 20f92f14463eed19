"""One batch of decisions in memory: what the rules read, and the decisions as they fall.

Decisions of a batch are taken in order; an allowed one counts at once for the decisions
after it (same customer, same persona quota), exactly as if each had its own transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from services.actions.policy import rules
from services.actions.policy.rules import Reason, Verdict
from shared.events.actions import InvitationReason, SurveyInvitationRequested
from shared.events.schemas import Channel
from shared.journey import RELATIONSHIP, TouchpointSurvey
from shared.journey_policies import ContactPolicy, PersonaQuota

QuotaKey = tuple[str, str, datetime]  # persona, period, period start (UTC)


class Origin(StrEnum):
    API = "api"  # asked over HTTP; the caller sends the survey itself
    MOMENT_OF_TRUTH = "moment_of_truth"  # an interaction at a moment of truth
    RECOVERY = "recovery"  # the customer's task was resolved
    RELATIONSHIP = "relationship"  # the relationship campaign (touchpoint ``relationship``)


# The invitations an event asks for once, never asked again on a refusal.
_ASKED_ONCE = frozenset({Origin.MOMENT_OF_TRUTH, Origin.RECOVERY})


@dataclass(frozen=True)
class DecisionRequest:
    decision_id: str
    customer_id: str
    touchpoint: str
    channel: Channel
    at: datetime
    origin: Origin = Origin.API
    decided_by: str = "system"
    source_event_id: str | None = None
    # For a recovery survey: the task just resolved, which must not hold it back.
    task_id: str | None = None
    department: str | None = None
    # When the signal behind the asking event reached cxloop (carried on the invitation).
    source_received_at: datetime | None = None
    # The interaction a hosted survey is about (kept on its invitation, not in the ledger).
    interaction_event_id: str | None = None

    @property
    def sampled(self) -> bool:
        """Whether the rules that space and sample surveys apply: not to a recovery survey,
        which answers the customer's earlier survey (see :meth:`PolicyState.evaluate`)."""
        return self.origin is not Origin.RECOVERY


@dataclass(frozen=True)
class Decision:
    request: DecisionRequest
    verdict: Verdict
    persona: str | None = None
    locale: str | None = None
    invitation: SurveyInvitationRequested | None = None


@dataclass(frozen=True)
class CustomerView:
    customer_id: str
    persona: str | None = None
    locale: str | None = None
    timezone: str | None = None
    survey_opt_out: bool = False
    version: str | None = None  # of the customer's row as read (None: there was no row)


@dataclass(frozen=True)
class Quota:
    key: QuotaKey
    rule: PersonaQuota
    period_end: datetime


@dataclass
class PolicyState:
    """What the rules read for the batch's customers, updated as decisions are allowed."""

    policy: ContactPolicy
    customers: dict[str, CustomerView]
    surveyed: dict[str, list[tuple[datetime, str]]]  # customer → [(at, touchpoint)]
    open_tasks: dict[str, set[str]]
    usage: dict[QuotaKey, int] = field(default_factory=dict)
    used: dict[QuotaKey, int] = field(default_factory=lambda: defaultdict(int))  # added now

    def customer(self, customer_id: str) -> CustomerView:
        return self.customers.get(customer_id) or CustomerView(customer_id)

    def zone(self, customer: CustomerView) -> str:
        return customer.timezone or self.policy.default_timezone

    def quotas(self, persona: str | None, at: datetime) -> list[Quota]:
        """The quotas a decision for a customer of ``persona`` at ``at`` counts against."""
        found = []
        for quota in self.policy.persona_quotas:
            if quota.persona == persona:
                start, end = rules.period_bounds(at, quota.period, self.policy.default_timezone)
                found.append(Quota((quota.persona, quota.period, start), quota, end))
        return found

    def evaluate(
        self, request: DecisionRequest, survey: TouchpointSurvey, with_quotas: bool
    ) -> Verdict:
        """Every rule, in the order of :class:`Reason`; quotas only if ``with_quotas``.

        A recovery survey asks the customer whose task was just resolved whether it is
        put right: it answers their earlier survey rather than sampling them again, so the
        rules that space and sample surveys (interval, cool-down, sampling, quotas) do not
        hold it; their opt-out, another open task and quiet hours do."""
        customer = self.customer(request.customer_id)
        zone = self.zone(customer)
        at, surveyed = request.at, self.surveyed.get(request.customer_id, [])
        sample = request.sampled
        verdicts = [rules.opt_out(customer.survey_opt_out)]
        if sample:
            verdicts += [
                rules.survey_interval(
                    at, (s for s, _ in surveyed), self.policy.survey_interval_days
                ),
                rules.touchpoint_cooldown(
                    at, (s for s, tp in surveyed if tp == request.touchpoint), survey.cooldown_days
                ),
            ]
        verdicts += [
            rules.open_task(self.open_tasks.get(request.customer_id, set()) - {request.task_id}),
            rules.quiet_hours(at, self.policy.quiet_hours, zone),
        ]
        if sample:
            verdicts.append(
                rules.sampling(request.customer_id, request.touchpoint, survey.sampling_rate)
            )
        if with_quotas and sample and rules.combine(verdicts).allowed:
            verdicts += [
                rules.persona_quota(self.usage.get(q.key, 0), q.rule, q.period_end)
                for q in self.quotas(customer.persona, at)
            ]
        verdict = rules.combine(verdicts)
        if verdict.next_allowed_at is not None:
            later = rules.out_of_quiet_hours(verdict.next_allowed_at, self.policy.quiet_hours, zone)
            verdict = Verdict(False, verdict.reason, later, verdict.refused_by)
        return verdict

    def decide(self, request: DecisionRequest, survey: TouchpointSurvey) -> Decision:
        """The decision on ``request``. An invitation an event asks for once (a moment of
        truth, a recovery) that falls in the customer's quiet hours is decided for their end
        instead (its ``at`` moved there, the webhook held until then) when every rule allows
        it at that time: an interaction in the evening is asked about in the morning, not
        never. The relationship campaign tries its refusals again itself."""
        verdict = self.evaluate(request, survey, with_quotas=True)
        if (
            request.origin in _ASKED_ONCE
            and verdict.reason is Reason.QUIET_HOURS
            and verdict.next_allowed_at is not None
        ):
            morning = replace(request, at=verdict.next_allowed_at)
            later = self.evaluate(morning, survey, with_quotas=True)
            if later.allowed:
                request, verdict = morning, later
        customer = self.customer(request.customer_id)
        if verdict.allowed:
            self.surveyed.setdefault(request.customer_id, []).append(
                (request.at, request.touchpoint)
            )
            for quota in self.quotas(customer.persona, request.at) if request.sampled else []:
                self.usage[quota.key] = self.usage.get(quota.key, 0) + 1
                self.used[quota.key] += 1
        invitation = _invitation(request, customer) if verdict.allowed else None
        return Decision(request, verdict, customer.persona, customer.locale, invitation)


def _invitation(
    request: DecisionRequest, customer: CustomerView
) -> SurveyInvitationRequested | None:
    if request.origin is Origin.API:
        return None
    return SurveyInvitationRequested(
        event_id=f"invitation:{request.decision_id}",
        customer_id=request.customer_id,
        decision_id=request.decision_id,
        touchpoint=None if request.touchpoint == RELATIONSHIP else request.touchpoint,
        channel=request.channel,
        reason=InvitationReason(request.origin.value),
        source_event_id=request.source_event_id,
        task_id=request.task_id,
        department=request.department,
        persona=customer.persona,
        locale=customer.locale,
        requested_at=request.at,
        source_received_at=request.source_received_at,
    )


def decision_row(decision: Decision) -> dict[str, Any]:
    request, verdict = decision.request, decision.verdict
    invitation = decision.invitation
    return {
        "id": request.decision_id,
        "customer_id": request.customer_id,
        "touchpoint": request.touchpoint,
        "channel": request.channel.value,
        "at": request.at,
        "allowed": verdict.allowed,
        "reason": verdict.reason.value,
        "next_allowed_at": verdict.next_allowed_at,
        "origin": request.origin.value,
        "source_event_id": request.source_event_id,
        "task_id": request.task_id,
        "persona": decision.persona,
        "decided_by": request.decided_by,
        "invitation": invitation.model_dump_json() if invitation else None,
    }


def decision_from_row(row: Mapping[str, Any]) -> Decision:
    """A decision taken before (its event delivered again): the same answer, the same
    invitation (``row["invitation"]`` as JSON text)."""
    request = DecisionRequest(
        decision_id=row["id"],
        customer_id=row["customer_id"],
        touchpoint=row["touchpoint"],
        channel=Channel(row["channel"]),
        at=row["at"],
        origin=Origin(row["origin"]),
        decided_by=row["decided_by"],
        source_event_id=row["source_event_id"],
        task_id=row["task_id"],
    )
    verdict = Verdict(row["allowed"], Reason(row["reason"]), row["next_allowed_at"])
    invitation = (
        SurveyInvitationRequested.model_validate_json(row["invitation"])
        if row["invitation"]
        else None
    )
    return Decision(request, verdict, row["persona"], None, invitation)
