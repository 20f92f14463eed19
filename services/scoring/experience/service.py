"""Applying a batch of signals to the customers' lived experience.

Exactly once in effect: a signal's row (primary key: its event id) is written in the same
transaction as its effects, so a redelivered id only re-emits the moment it produced the
first time. The final state does not depend on arrival order: the decayed sums are
order-free, the latest-per-touchpoint and last-NPS keep the newest by occurrence time, and
a contact that arrives late marks as repeats the later contacts it precedes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.experience import formulas
from services.scoring.experience.repository import ExperienceRepository
from services.scoring.models import COUNTERS
from shared.events.schemas import (
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    MomentEvaluated,
    Outcome,
    Polarity,
    SurveyAnswered,
)
from shared.journey import Touchpoint
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed

RELATIONSHIP = "~relationship"  # the aggregate key of surveys not tied to a touchpoint
POLARITY_CODE = {Polarity.NEGATIVE: -1, Polarity.NEUTRAL: 0, Polarity.POSITIVE: 1}
Signal = InteractionRecorded | SurveyAnswered


@dataclass
class CustomerState:
    customer_id: str
    sums: formulas.DecayedSums = field(default_factory=formulas.DecayedSums)
    signals: int = 0
    positives: int = 0
    negatives: int = 0
    last_nps: int | None = None
    last_nps_at: datetime | None = None
    persona: str | None = None
    value_tier: str | None = None
    profile_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> CustomerState:
        """From a row of ``select(customer)``: its columns in the table's order."""
        (
            customer_id,
            s,
            w,
            t_ref,
            signals,
            positives,
            negatives,
            last_nps,
            last_nps_at,
            persona,
            value_tier,
            profile_at,
            _updated_at,
        ) = row
        return cls(
            customer_id,
            formulas.DecayedSums(s, w, t_ref),
            signals,
            positives,
            negatives,
            last_nps,
            last_nps_at,
            persona,
            value_tier,
            profile_at,
        )

    def as_row(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "s": self.sums.s,
            "w": self.sums.w,
            "t_ref": self.sums.t,
            "signals": self.signals,
            "positives": self.positives,
            "negatives": self.negatives,
            "last_nps": self.last_nps,
            "last_nps_at": self.last_nps_at,
            "persona": self.persona,
            "value_tier": self.value_tier,
            "profile_at": self.profile_at,
            "updated_at": datetime.now(UTC),
        }

    def count(self, polarity: int, by: int = 1) -> None:
        self.positives += by if polarity > 0 else 0
        self.negatives += by if polarity < 0 else 0


@dataclass
class Batch:
    """What one batch changes, gathered before it is written in a few statements."""

    customers: dict[str, CustomerState]
    contacts: dict[tuple[str, str], list[dict[str, Any]]]
    linked: dict[str, list[dict[str, Any]]]  # interaction id → signal rows that pair with it
    signals: list[dict[str, Any]] = field(default_factory=list)
    new_ids: set[str] = field(default_factory=set)
    revalued: dict[str, dict[str, Any]] = field(default_factory=dict)
    latest: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    days: dict[tuple[str, date, str, str], dict[str, Any]] = field(default_factory=dict)
    moments: list[Event] = field(default_factory=list)

    def day(self, touchpoint: str, at: datetime, channel: str, persona: str, known: bool) -> Any:
        key = (touchpoint, at.date(), channel, persona)
        if key not in self.days:
            self.days[key] = {
                "touchpoint": touchpoint,
                "day": key[1],
                "channel": channel,
                "persona": persona,
                "known_touchpoint": known,
                **dict.fromkeys(COUNTERS, 0.0),
            }
        return self.days[key]


class ExperienceService:
    def __init__(self, settings: ScoringSettings, journey: JourneyMapHolder) -> None:
        self.settings = settings
        self.journey = journey
        self.half_life_s = settings.half_life_days * 86400
        self.window = timedelta(days=settings.repeat_window_days)

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Apply a batch; return the moments to publish (re-emitted ones included)."""
        repo = ExperienceRepository(session)
        signals = _first_occurrences(c.event for c in batch if isinstance(c.event, Signal))
        seen = await repo.signals([s.event_id for s in signals])
        fresh = [s for s in signals if s.event_id not in seen]
        profiles = [c.event for c in batch if isinstance(c.event, CustomerProfileUpdated)]
        state = await self._load(repo, fresh, profiles)
        for profile in profiles:
            _apply_profile(state.customers[profile.customer_id], profile)
        journey_map = self.journey.current
        touchpoints = journey_map.touchpoint_index() if journey_map else {}
        for event in fresh:
            self._evaluate(state, event, touchpoints)
        await repo.save(
            [c.as_row() for c in state.customers.values()],
            state.signals,
            list(state.revalued.values()),
            state.latest.values(),
            [state.days[key] for key in sorted(state.days)],  # one lock order for shared rows
        )
        return [
            *(
                moment_from_row(seen[s.event_id], s.received_at)
                for s in signals
                if s.event_id in seen
                if seen[s.event_id]["valence"] is not None
            ),
            *state.moments,
        ]

    async def _load(
        self, repo: ExperienceRepository, fresh: list[Signal], profiles: list[Any]
    ) -> Batch:
        ids = {e.customer_id for e in fresh} | {p.customer_id for p in profiles}
        rows = await repo.lock_customers(ids)
        customers = {cid: CustomerState.from_row(row) for cid, row in rows.items()}
        interactions = [e for e in fresh if isinstance(e, InteractionRecorded)]
        contacts: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        if interactions:
            times = [e.occurred_at for e in interactions]
            pairs = {(e.customer_id, e.touchpoint) for e in interactions}
            for row in await repo.contacts(
                pairs, min(times) - self.window, max(times) + self.window
            ):
                contacts[(row["customer_id"], row["touchpoint"])].append(row)
        linked: dict[str, list[dict[str, Any]]] = defaultdict(list)
        survey_links = [
            e.interaction_event_id
            for e in fresh
            if isinstance(e, SurveyAnswered) and e.interaction_event_id
        ]
        for row in await repo.c2es_partners([e.event_id for e in interactions], survey_links):
            key = row["event_id"] if row["source"] == "interaction" else row["interaction_event_id"]
            linked[key].append(row)
        return Batch(customers, contacts, linked)

    def _evaluate(self, batch: Batch, event: Signal, touchpoints: Mapping[str, Touchpoint]) -> None:
        person = batch.customers[event.customer_id]
        touchpoint = touchpoints.get(event.touchpoint) if event.touchpoint else None
        row = self._signal_row(event, person, touchpoint, batch)
        batch.signals.append(row)
        batch.new_ids.add(row["event_id"])
        threshold = touchpoint.wait_threshold_seconds if touchpoint else None
        self._count_day(batch, row, event, threshold)
        self._pair_ease(batch, row)
        if row["valence"] is None:
            return
        before = person.sums.lxi
        person.sums = person.sums.add(
            row["weight"], row["valence"], event.occurred, self.half_life_s
        )
        person.signals += 1
        person.count(row["polarity"])
        if isinstance(event, SurveyAnswered) and event.nps is not None:
            _keep_last_nps(person, event)
        if event.touchpoint:
            _keep_latest(batch, row)
        if isinstance(event, InteractionRecorded):
            self._mark_later_repeats(batch, person, row)
        row["lxi_before"], row["lxi_after"] = before, person.sums.lxi
        batch.moments.append(moment_from_row(row, event.received_at))

    def _signal_row(
        self, event: Signal, person: CustomerState, touchpoint: Any, batch: Batch
    ) -> dict[str, Any]:
        settings = self.settings
        weight = touchpoint.weight if touchpoint else 1.0
        truth = bool(touchpoint and touchpoint.moment_of_truth)
        weight *= settings.moment_of_truth_factor if truth else 1.0
        row: dict[str, Any] = {
            "event_id": event.event_id,
            "customer_id": event.customer_id,
            "touchpoint": event.touchpoint,
            "known_touchpoint": touchpoint is not None,
            "occurred_at": event.occurred,
            "moment_of_truth": truth,
            "moment_of_pain": bool(touchpoint and touchpoint.moment_of_pain),
            "persona": person.persona,
            "value_tier": person.value_tier,
            "outcome": None,
            "wait_over": False,
            "repeat_contact": False,
            "transfers": None,
            "nps": None,
            "csat": None,
            "ces": None,
            "employee_ease": None,
            "employee_id": None,
            "interaction_event_id": None,
            "channel": None,
            "lxi_before": None,
            "lxi_after": None,
        }
        if isinstance(event, SurveyAnswered):
            valence = formulas.survey_valence(event)
            weight *= settings.survey_weight
            row.update(
                source="survey",
                nps=event.nps,
                csat=event.csat,
                ces=event.ces,
                interaction_event_id=event.interaction_event_id,
            )
        else:
            threshold = touchpoint.wait_threshold_seconds if touchpoint else None
            wait_over = formulas.wait_over_threshold(event, threshold)
            repeat = self._is_repeat(batch, event)
            valence = formulas.interaction_valence(
                event.outcome, wait_over, repeat, event.transfers or 0
            )
            weight *= settings.interaction_weight
            row.update(
                source="interaction",
                outcome=event.outcome.value,
                wait_over=wait_over,
                repeat_contact=repeat,
                transfers=event.transfers,
                channel=event.channel.value,
                employee_ease=event.employee_ease,
                employee_id=event.employee_id,
            )
        row["valence"] = valence
        row["weight"] = weight if valence is not None else 0.0
        row["polarity"] = self._polarity(valence) if valence is not None else 0
        return row

    def _polarity(self, valence: float) -> int:
        found = formulas.polarity(
            valence, self.settings.positive_threshold, self.settings.negative_threshold
        )
        return POLARITY_CODE[found]

    def _is_repeat(self, batch: Batch, event: InteractionRecorded) -> bool:
        key = (event.occurred_at, event.event_id)
        return any(
            (c["occurred_at"], c["event_id"]) < key
            and event.occurred_at - c["occurred_at"] <= self.window
            for c in batch.contacts[(event.customer_id, event.touchpoint)]
        )

    def _mark_later_repeats(self, batch: Batch, person: CustomerState, row: dict[str, Any]) -> None:
        """A contact arriving late makes the later contacts within the window repeats."""
        contacts = batch.contacts[(row["customer_id"], row["touchpoint"])]
        key = (row["occurred_at"], row["event_id"])
        for later in contacts:
            if later["repeat_contact"] or (later["occurred_at"], later["event_id"]) <= key:
                continue
            if later["occurred_at"] - row["occurred_at"] > self.window:
                continue
            self._revalue_as_repeat(batch, person, later)
        contacts.append(row)

    def _revalue_as_repeat(
        self, batch: Batch, person: CustomerState, later: dict[str, Any]
    ) -> None:
        valence = formulas.interaction_valence(
            Outcome(later["outcome"]), later["wait_over"], True, later["transfers"] or 0
        )
        delta = valence - later["valence"]
        polarity = self._polarity(valence)
        sums = person.sums
        assert sums.t is not None
        shift = (
            later["weight"] * delta * formulas.decay(sums.t, later["occurred_at"], self.half_life_s)
        )
        person.sums = replace(sums, s=sums.s + shift)
        person.count(later["polarity"], -1)
        person.count(polarity)
        day = batch.day(
            later["touchpoint"],
            later["occurred_at"],
            later["channel"] or "",
            later["persona"] or "",
            later["known_touchpoint"],
        )
        _count_polarity(day, later["polarity"], -1)
        _count_polarity(day, polarity, 1)
        day["valence_sum"] += delta
        later.update(valence=valence, polarity=polarity, repeat_contact=True)
        if later["event_id"] not in batch.new_ids:  # stored earlier: rewrite the row
            batch.revalued[later["event_id"]] = {
                "event_id": later["event_id"],
                "valence": valence,
                "polarity": polarity,
            }
        _keep_latest(batch, later)

    def _count_day(
        self, batch: Batch, row: dict[str, Any], event: Signal, threshold: float | None
    ) -> None:
        day = batch.day(
            row["touchpoint"] or RELATIONSHIP,
            row["occurred_at"],
            row["channel"] or "",
            row["persona"] or "",
            row["known_touchpoint"],
        )
        if row["valence"] is not None:
            day["signals"] += 1
            day["valence_sum"] += row["valence"]
            _count_polarity(day, row["polarity"], 1)
        if isinstance(event, SurveyAnswered):
            _count_survey(day, event)
        else:
            _count_interaction(day, event, row, judged=threshold is not None)

    def _pair_ease(self, batch: Batch, row: dict[str, Any]) -> None:
        """Count a customer/employee ease pair once, when its second half arrives."""
        if row["source"] == "survey" and row["ces"] is not None and row["interaction_event_id"]:
            partners = [
                p for p in batch.linked[row["interaction_event_id"]] if p["source"] == "interaction"
            ]
            for interaction in partners:
                _add_pair(batch, interaction, row["ces"])
            batch.linked[row["interaction_event_id"]].append(row)
        elif row["source"] == "interaction" and row["employee_ease"] is not None:
            for survey in [p for p in batch.linked[row["event_id"]] if p["source"] == "survey"]:
                _add_pair(batch, row, survey["ces"])
            batch.linked[row["event_id"]].append(row)


def _add_pair(batch: Batch, interaction: dict[str, Any], customer_ease: int) -> None:
    day = batch.day(
        interaction["touchpoint"],
        interaction["occurred_at"],
        interaction["channel"] or "",
        interaction["persona"] or "",
        interaction["known_touchpoint"],
    )
    day["c2es_n"] += 1
    day["customer_ease_sum"] += customer_ease
    day["employee_ease_sum"] += interaction["employee_ease"]


def _count_polarity(day: dict[str, Any], polarity: int, by: int) -> None:
    if polarity > 0:
        day["positives"] += by
    elif polarity < 0:
        day["negatives"] += by


def _count_survey(day: dict[str, Any], event: SurveyAnswered) -> None:
    if event.nps is not None:
        day[
            {"promoter": "promoters", "passive": "passives", "detractor": "detractors"}[
                formulas.nps_class(event.nps)
            ]
        ] += 1
    if event.csat is not None:
        day["csat_n"] += 1
        day["csat_sum"] += event.csat
        day["csat_satisfied"] += event.csat >= 4
    if event.ces is not None:
        day["ces_n"] += 1
        day["ces_sum"] += event.ces
    if event.expected is not None and event.perceived is not None:
        day["gap_n"] += 1
        day["expected_sum"] += event.expected
        day["perceived_sum"] += event.perceived


def _count_interaction(
    day: dict[str, Any], event: InteractionRecorded, row: dict[str, Any], judged: bool
) -> None:
    """``judged``: the touchpoint has a wait threshold, so the wait counts for the rate."""
    day["interactions"] += 1
    outcome_counter = {"success": "successes", "failure": "failures", "abandoned": "abandoned"}
    day[outcome_counter[event.outcome.value]] += 1
    if event.wait_seconds is not None and judged:
        day["waits_known"] += 1
        day["waits_over"] += row["wait_over"]


def _keep_latest(batch: Batch, row: dict[str, Any]) -> None:
    key = (row["customer_id"], row["touchpoint"])
    held = batch.latest.get(key)
    if held is None or (row["occurred_at"], row["event_id"]) >= (
        held["occurred_at"],
        held["event_id"],
    ):
        batch.latest[key] = {
            "customer_id": row["customer_id"],
            "touchpoint": row["touchpoint"],
            "event_id": row["event_id"],
            "occurred_at": row["occurred_at"],
            "valence": row["valence"],
        }


def _keep_last_nps(person: CustomerState, event: SurveyAnswered) -> None:
    if person.last_nps_at is None or event.answered_at >= person.last_nps_at:
        person.last_nps, person.last_nps_at = event.nps, event.answered_at


def _apply_profile(person: CustomerState, profile: CustomerProfileUpdated) -> None:
    if person.profile_at is not None and profile.updated_at < person.profile_at:
        return  # an older profile than the one held
    person.profile_at = profile.updated_at
    person.persona = profile.persona if profile.persona is not None else person.persona
    person.value_tier = profile.value_tier if profile.value_tier is not None else person.value_tier


def _first_occurrences(events: Any) -> list[Signal]:
    unique: dict[str, Signal] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    return list(unique.values())


def moment_id(source_event_id: str) -> str:
    candidate = f"moment:{source_event_id}"
    if len(candidate) <= 128:
        return candidate
    return "moment:" + hashlib.sha256(source_event_id.encode()).hexdigest()


_POLARITY = {code: polarity for polarity, code in POLARITY_CODE.items()}


def moment_from_row(row: Mapping[str, Any], received_at: datetime | None = None) -> MomentEvaluated:
    """The moment of a signal row, stored or being built, carrying ``received_at``, when the
    signal reached cxloop. Built without validation: every value was computed here or read
    back from a row written from one."""
    outcome = row["outcome"]
    return MomentEvaluated.model_construct(
        event_id=moment_id(row["event_id"]),
        customer_id=row["customer_id"],
        source_event_id=row["event_id"],
        source=row["source"],
        touchpoint=row["touchpoint"],
        known_touchpoint=row["known_touchpoint"],
        moment_of_truth=row["moment_of_truth"],
        moment_of_pain=row["moment_of_pain"],
        occurred_at=row["occurred_at"],
        valence=row["valence"],
        weight=row["weight"],
        polarity=_POLARITY[row["polarity"]],
        lxi_before=row["lxi_before"],
        lxi_after=row["lxi_after"],
        persona=row["persona"],
        value_tier=row["value_tier"],
        nps=row["nps"],
        csat=row["csat"],
        ces=row["ces"],
        outcome=Outcome(outcome) if outcome else None,
        wait_over_threshold=row["wait_over"],
        repeat_contact=row["repeat_contact"],
        transfers=row["transfers"],
        source_received_at=received_at,
    )
