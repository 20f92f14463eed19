"""Deciding whether a customer may be surveyed, atomically per customer.

A decision that records locks the customer's row first (all the batch's customers, in
order), then reads their solicitations and open tasks, then locks the persona quota
counters it may use: two decisions for one customer never both see "no survey yet", and a
quota is never overrun. Nothing here commits: the request or the consumer batch does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from services.actions.policy.decisions import DecisionRepository
from services.actions.policy.evaluation import (
    CustomerView,
    Decision,
    DecisionRequest,
    Origin,
    PolicyState,
    QuotaKey,
    decision_from_row,
    decision_row,
)
from shared.journey import RELATIONSHIP, JourneyMap, TouchpointSurvey


async def decide(
    repo: DecisionRepository,
    journey: JourneyMap,
    requests: Sequence[DecisionRequest],
    *,
    record: bool = True,
) -> list[Decision]:
    """Decide each request in order; record them in the ledger unless ``record`` is off
    (a simulation: nothing locked, nothing written).

    A request whose decision id is already in the ledger (an event delivered again) gets
    that decision back, unchanged. Every request's touchpoint must be in ``journey`` (or
    be ``relationship`` when the map has a relationship program).
    """
    known = await _known(repo, requests) if record else {}
    fresh = _first_of_each(requests, known)
    decided: dict[str, Decision] = {}
    if fresh:
        state = await _load(repo, journey, fresh, lock=record)
        surveys = {r.decision_id: _survey(journey, r.touchpoint) for r in fresh}
        await _load_quotas(repo, state, fresh, surveys, lock=record)
        decided = {r.decision_id: state.decide(r, surveys[r.decision_id]) for r in fresh}
        if record:
            await repo.record([decision_row(d) for d in decided.values()], state.used)
    return [known.get(r.decision_id) or decided[r.decision_id] for r in requests]


async def decide_unlocked(
    repo: DecisionRepository, journey: JourneyMap, request: DecisionRequest
) -> Decision | None:
    """Decide one request asked over the API and record it outside any transaction: read
    what the rules need, unlocked, then append the decision in one statement that writes
    nothing unless the customer's row is still the one read. A decision the other rules
    allow under persona quotas reads the counters too (unlocked: a refusal for a full
    quota stands, counters never go down within a period), and its statement also locks
    them and counts it only if each is still below its maximum.

    None, and nothing written, when that cannot settle it: something changed the customer
    in between (a decision recorded, a profile applied), or a counter is missing or filled
    up meanwhile. :func:`decide` takes it then, locking: two decisions for one customer
    are never both allowed, nor a quota overrun, either way.
    """
    state = await _load(repo, journey, [request], lock=False)
    survey = _survey(journey, request.touchpoint)
    customer = state.customer(request.customer_id)
    quotas = state.quotas(customer.persona, request.at)
    if quotas and state.evaluate(request, survey, with_quotas=False).allowed:
        if customer.version is None:
            return None
        state.usage = await repo.quotas(sorted(q.key for q in quotas))
    decision = state.decide(request, survey)
    row = decision_row(decision)
    if decision.verdict.allowed and quotas:
        assert customer.version is not None  # a persona comes from the customer's row
        maxima = {q.key: q.rule.max_invitations for q in quotas}
        recorded = await repo.record_counted_if_unchanged(row, customer.version, maxima)
    else:
        recorded = await repo.record_if_unchanged(row, customer.version)
    return decision if recorded else None


async def _known(
    repo: DecisionRepository, requests: Sequence[DecisionRequest]
) -> dict[str, Decision]:
    # Decisions asked over the API have fresh ids: only those derived from events can repeat.
    replayable = {r.decision_id for r in requests if r.origin is not Origin.API}
    if not replayable:
        return {}
    return {row["id"]: decision_from_row(row) for row in await repo.decisions(list(replayable))}


def _first_of_each(
    requests: Sequence[DecisionRequest], known: dict[str, Decision]
) -> list[DecisionRequest]:
    """The requests not decided before, each id once: an event twice in a batch is one."""
    first: dict[str, DecisionRequest] = {}
    for request in requests:
        if request.decision_id not in known:
            first.setdefault(request.decision_id, request)
    return list(first.values())


def _survey(journey: JourneyMap, touchpoint: str) -> TouchpointSurvey:
    if touchpoint == RELATIONSHIP and journey.relationship is not None:
        # One relationship survey per customer and period: the period is its cool-down.
        return TouchpointSurvey.model_construct(cooldown_days=journey.relationship.every_days)
    found = journey.touchpoint(touchpoint)
    if found is None:
        raise ValueError(f"unknown touchpoint {touchpoint!r}")
    return found.survey


async def _load(
    repo: DecisionRepository, journey: JourneyMap, requests: Sequence[DecisionRequest], lock: bool
) -> PolicyState:
    policy = journey.contact_policy
    customer_ids = sorted({r.customer_id for r in requests})
    # Solicitations that can clash with a request: within the widest spacing around it.
    widest = timedelta(
        days=max(
            policy.survey_interval_days,
            *(_survey(journey, r.touchpoint).cooldown_days for r in requests),
        )
    )
    after, before = min(r.at for r in requests) - widest, max(r.at for r in requests) + widest
    read = repo.lock_customers if lock else repo.customers
    customers: dict[str, CustomerView] = {}
    surveyed: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    open_tasks: dict[str, set[str]] = defaultdict(set)
    for kind, customer_id, key, at, persona, locale, zone, opt_out in await read(
        customer_ids, after, before
    ):
        if kind == "customer":
            customers[customer_id] = CustomerView(
                customer_id, persona, locale, zone, bool(opt_out), version=key
            )
        elif kind == "survey":
            surveyed[customer_id].append((at, key))
        else:
            open_tasks[customer_id].add(key)
    return PolicyState(policy, customers, dict(surveyed), dict(open_tasks))


async def _load_quotas(
    repo: DecisionRepository,
    state: PolicyState,
    requests: Sequence[DecisionRequest],
    surveys: dict[str, TouchpointSurvey],
    lock: bool,
) -> None:
    """Read (or lock) the quota counters of the requests that pass every other rule.

    Judged against the stored state alone, that is every request that may reach the quota
    rule: one allowed earlier in the batch can only block a later one, never free it.
    """
    keys: set[QuotaKey] = set()
    for request in requests:
        if state.evaluate(request, surveys[request.decision_id], with_quotas=False).allowed:
            persona = state.customer(request.customer_id).persona
            keys |= {q.key for q in state.quotas(persona, request.at)}
    if not keys:
        return
    ordered = sorted(keys)
    state.usage = await (repo.lock_quotas(ordered) if lock else repo.quotas(ordered))
