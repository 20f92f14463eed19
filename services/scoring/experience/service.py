"""Applying a batch of signals to the customers' lived experience.

Exactly once in effect: a signal's row (primary key: its event id) is written in the same
transaction as its effects, so a redelivered id only re-emits the moment it produced the
first time. The final state does not depend on arrival order: the decayed sums are
order-free, the latest-per-touchpoint and last-NPS keep the newest by occurrence time, and
a contact that arrives late marks as repeats the later contacts it precedes.

The customer's state is in ``customer.py``, the daily counters in ``counters.py``; this
module evaluates each signal and gathers what the batch writes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.config import ScoringSettings
from services.scoring.experience import formulas
from services.scoring.experience.counters import DailyCounters
from services.scoring.experience.customer import CustomerState
from services.scoring.experience.moments import POLARITY_CODE, moment_from_row, moment_id
from services.scoring.experience.repository import ExperienceRepository
from services.scoring.experience.rows import LatestRow, RevaluedRow, SignalRow
from services.scoring.experience.verbatims import (
    VerbatimRow,
    Words,
    analysed,
    as_carried,
    read_verbatims,
)
from services.scoring.voice.taxonomy import PublishedTaxonomy
from services.scoring.voice.topics import Taxonomy
from shared.events.schemas import (
    CustomerProfileUpdated,
    Event,
    InteractionRecorded,
    Outcome,
    SurveyAnswered,
)
from shared.journey import Touchpoint
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed, InvalidEvent

Signal = InteractionRecorded | SurveyAnswered
Pair = tuple[str, str]  # (customer id, touchpoint)


@dataclass
class Batch:
    """What one batch changes, gathered before it is written in a few statements."""

    customers: dict[str, CustomerState]
    created: set[str]  # the customers without a row yet
    contacts: dict[Pair, list[SignalRow]]  # stored and new interactions within the window
    linked: dict[str, list[SignalRow]]  # interaction id → signal rows that pair with it
    signals: list[SignalRow] = field(default_factory=list)
    new_ids: set[str] = field(default_factory=set)
    revalued: dict[str, RevaluedRow] = field(default_factory=dict)
    latest: dict[Pair, LatestRow] = field(default_factory=dict)
    counters: DailyCounters = field(default_factory=DailyCounters)
    moments: list[Event] = field(default_factory=list)
    verbatims: dict[str, VerbatimRow] = field(default_factory=dict)  # by signal event id
    words: dict[str, Words] = field(default_factory=dict)  # the new verbatims read, by id
    taxonomy: Taxonomy = field(default_factory=lambda: Taxonomy(()))


class ExperienceService:
    def __init__(self, settings: ScoringSettings, journey: JourneyMapHolder) -> None:
        self.settings = settings
        self.journey = journey
        self.half_life_s = settings.half_life_days * 86400
        self.window = timedelta(days=settings.repeat_window_days)
        self._taxonomy = PublishedTaxonomy()

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Apply a batch; return the moments to publish (re-emitted ones included)."""
        repo = ExperienceRepository(session)
        claims = _claims(batch)
        seen = await repo.signals(list(claims))
        signals = [_owned(found, seen.get(event_id)) for event_id, found in claims.items()]
        fresh = [s for s in signals if s.event_id not in seen]
        profiles = [c.event for c in batch if isinstance(c.event, CustomerProfileUpdated)]
        journey_map = self.journey.current
        taxonomy = self._taxonomy.of(journey_map)
        touchpoints = journey_map.touchpoint_index() if journey_map else {}
        state = await self._load_reading(repo, fresh, profiles, taxonomy, touchpoints)
        for profile in profiles:
            state.customers[profile.customer_id].apply_profile(profile)
        state.taxonomy = taxonomy
        for event in fresh:
            self._evaluate(state, event, touchpoints)
        # one stamp for the batch, which commits as one transaction
        updated_at = datetime.now(UTC)
        customers = state.customers.values()
        await repo.save(
            [c.record() for c in customers if c.customer_id not in state.created],
            [c.record() for c in customers if c.customer_id in state.created],
            updated_at,
            state.signals,
            list(state.revalued.values()),
            state.latest.values(),
            state.counters.rows(),
            list(state.verbatims.values()),
        )
        again = [(seen[s.event_id], s.received_at) for s in signals if s.event_id in seen]
        again = [(row, at) for row, at in again if row["valence"] is not None]
        words = await repo.verbatims([row["event_id"] for row, _ in again])
        return [
            *(_moment(row, at, words.get(row["event_id"]), state.taxonomy) for row, at in again),
            *state.moments,
        ]

    async def _load_reading(
        self,
        repo: ExperienceRepository,
        fresh: list[Signal],
        profiles: list[CustomerProfileUpdated],
        taxonomy: Taxonomy,
        touchpoints: Mapping[str, Touchpoint],
    ) -> Batch:
        """``_load``, with the new verbatims read while its queries are in flight: the
        analysis is CPU, the reads wait on PostgreSQL."""
        loading = asyncio.ensure_future(self._load(repo, fresh, profiles, touchpoints))
        try:
            words = await read_verbatims(fresh, taxonomy)
        except BaseException:
            loading.cancel()
            with contextlib.suppress(BaseException):
                await loading
            raise
        state = await loading
        state.words = words
        return state

    async def _load(
        self,
        repo: ExperienceRepository,
        fresh: list[Signal],
        profiles: list[CustomerProfileUpdated],
        touchpoints: Mapping[str, Touchpoint],
    ) -> Batch:
        ids = {e.customer_id for e in fresh} | {p.customer_id for p in profiles}
        rows = await repo.lock_customers(ids)
        customers = {cid: CustomerState.from_record(row) for cid, row in rows.items()}
        created = ids - customers.keys()
        customers.update((cid, CustomerState(cid)) for cid in created)
        interactions = [e for e in fresh if isinstance(e, InteractionRecorded)]
        contacts: dict[Pair, list[SignalRow]] = defaultdict(list)
        # the earlier contacts of the touchpoints where coming back is a repeat, only
        times = [
            (e.customer_id, e.touchpoint, e.occurred_at)
            for e in interactions
            if _counts_repeats(touchpoints.get(e.touchpoint))
        ]
        for row in await repo.contacts(times, self.window):
            contacts[_pair_of(row)].append(row)
        # only the halves that can make a pair: a survey with a customer's ease (CES), an
        # interaction with the employee's
        survey_links = [
            e.interaction_event_id
            for e in fresh
            if isinstance(e, SurveyAnswered) and e.interaction_event_id and e.ces is not None
        ]
        eased = [e.event_id for e in interactions if e.employee_ease is not None]
        partners = await repo.c2es_partners(eased, survey_links)
        return Batch(customers, created, contacts, _linked(partners))

    def _evaluate(self, batch: Batch, event: Signal, touchpoints: Mapping[str, Touchpoint]) -> None:
        person = batch.customers[event.customer_id]
        touchpoint = touchpoints.get(event.touchpoint) if event.touchpoint else None
        row = self._signal_row(event, person, touchpoint, batch)
        batch.signals.append(row)
        batch.new_ids.add(row["event_id"])
        judged = touchpoint is not None and touchpoint.wait_threshold_seconds is not None
        batch.counters.count(row, event, judged)
        _pair_ease(batch, row)
        if row["valence"] is None:
            return
        before = person.sums.lxi
        person.sums = person.sums.add(
            row["weight"], row["valence"], event.occurred, self.half_life_s
        )
        person.signals += 1
        person.count(row["polarity"])
        if isinstance(event, SurveyAnswered) and event.nps is not None:
            person.keep_last_nps(event)
        if event.touchpoint:
            _keep_latest(batch, row)
        if isinstance(event, InteractionRecorded) and _counts_repeats(touchpoint):
            self._mark_later_repeats(batch, person, row)
        row["lxi_before"], row["lxi_after"] = before, person.sums.lxi
        words = batch.verbatims.get(row["event_id"])
        batch.moments.append(_moment(row, event.received_at, words, batch.taxonomy))

    def _signal_row(
        self, event: Signal, person: CustomerState, touchpoint: Touchpoint | None, batch: Batch
    ) -> SignalRow:
        settings = self.settings
        weight = touchpoint.weight if touchpoint else 1.0
        truth = bool(touchpoint and touchpoint.moment_of_truth)
        weight *= settings.moment_of_truth_factor if truth else 1.0
        row = _new_row(event, person, touchpoint, truth)
        if isinstance(event, SurveyAnswered):
            valence = formulas.survey_valence(event)
            if event.verbatim:
                words = batch.verbatims[event.event_id] = analysed(
                    event, person.persona, batch.words[event.event_id]
                )
                valence = formulas.response_valence(valence, words["sentiment"])
            weight *= settings.survey_weight
        else:
            threshold = touchpoint.wait_threshold_seconds if touchpoint else None
            row["wait_over"] = formulas.wait_over_threshold(event, threshold)
            row["wait_threshold_seconds"] = threshold
            row["repeat_contact"] = _counts_repeats(touchpoint) and self._is_repeat(batch, event)
            valence = formulas.interaction_valence(
                event.outcome, row["wait_over"], row["repeat_contact"], event.transfers or 0
            )
            weight *= settings.interaction_weight
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
        at, event_id, window = event.occurred_at, event.event_id, self.window
        # a loop, not any() over a generator of tuples: once per interaction
        for contact in batch.contacts[(event.customer_id, event.touchpoint)]:
            then = contact["occurred_at"]
            earlier = then < at or (then == at and contact["event_id"] < event_id)
            if earlier and at - then <= window:
                return True
        return False

    def _mark_later_repeats(self, batch: Batch, person: CustomerState, row: SignalRow) -> None:
        """A contact arriving late makes the later contacts within the window repeats."""
        contacts = batch.contacts[_pair_of(row)]
        key = (row["occurred_at"], row["event_id"])
        for later in contacts:
            if later["repeat_contact"] or (later["occurred_at"], later["event_id"]) <= key:
                continue
            if later["occurred_at"] - row["occurred_at"] > self.window:
                continue
            self._revalue_as_repeat(batch, person, later)
        contacts.append(row)

    def _revalue_as_repeat(self, batch: Batch, person: CustomerState, later: SignalRow) -> None:
        assert later["outcome"] is not None
        assert later["valence"] is not None
        valence = formulas.interaction_valence(
            Outcome(later["outcome"]), later["wait_over"], True, later["transfers"] or 0
        )
        polarity = self._polarity(valence)
        sums = person.sums
        assert sums.t is not None
        decayed = formulas.decay(sums.t, later["occurred_at"], self.half_life_s)
        shift = later["weight"] * (valence - later["valence"]) * decayed
        person.sums = replace(sums, s=sums.s + shift)
        person.count(later["polarity"], -1)
        person.count(polarity)
        batch.counters.recount(later, valence, polarity)
        later["valence"], later["polarity"], later["repeat_contact"] = valence, polarity, True
        if later["event_id"] not in batch.new_ids:  # stored earlier: rewrite the row
            batch.revalued[later["event_id"]] = {
                "event_id": later["event_id"],
                "valence": valence,
                "polarity": polarity,
            }
        _keep_latest(batch, later)


def _moment(
    row: SignalRow, received_at: datetime | None, words: VerbatimRow | None, taxonomy: Taxonomy
) -> Event:
    carried = as_carried(words, moment_id(row["event_id"]), taxonomy) if words else None
    return moment_from_row(row, received_at, carried)


def _new_row(
    event: Signal, person: CustomerState, touchpoint: Touchpoint | None, truth: bool
) -> SignalRow:
    """The row of ``event`` before its valence is known."""
    survey = event if isinstance(event, SurveyAnswered) else None
    interaction = event if isinstance(event, InteractionRecorded) else None
    return {
        "event_id": event.event_id,
        "customer_id": event.customer_id,
        "source": "interaction" if interaction else "survey",
        "touchpoint": event.touchpoint,
        "known_touchpoint": touchpoint is not None,
        "channel": interaction.channel.value if interaction else None,
        "occurred_at": event.occurred,
        "valence": None,
        "weight": 0.0,
        "polarity": 0,
        "moment_of_truth": truth,
        "moment_of_pain": bool(touchpoint and touchpoint.moment_of_pain),
        "outcome": interaction.outcome.value if interaction else None,
        "wait_over": False,
        "repeat_contact": False,
        "transfers": interaction.transfers if interaction else None,
        "nps": survey.nps if survey else None,
        "csat": survey.csat if survey else None,
        "ces": survey.ces if survey else None,
        "employee_ease": interaction.employee_ease if interaction else None,
        "employee_id": interaction.employee_id if interaction else None,
        "expected": survey.expected if survey else None,
        "perceived": survey.perceived if survey else None,
        "wait_seconds": interaction.wait_seconds if interaction else None,
        "wait_threshold_seconds": None,
        "interaction_event_id": survey.interaction_event_id if survey else None,
        "lxi_before": None,
        "lxi_after": None,
        "persona": person.persona,
        "value_tier": person.value_tier,
    }


def _counts_repeats(touchpoint: Touchpoint | None) -> bool:
    """Whether coming back to ``touchpoint`` within the window is a repeat contact: the map
    says so per touchpoint; one it does not know counts, as the formula has it."""
    return touchpoint is None or touchpoint.repeat_contacts


def _pair_of(contact: SignalRow) -> Pair:
    assert contact["touchpoint"] is not None  # an interaction always has one
    return (contact["customer_id"], contact["touchpoint"])


def _linked(partners: Iterable[SignalRow]) -> dict[str, list[SignalRow]]:
    """The stored halves of ease pairs, by the id of their interaction."""
    linked: dict[str, list[SignalRow]] = defaultdict(list)
    for row in partners:
        if row["source"] == "interaction":
            linked[row["event_id"]].append(row)
        elif row["interaction_event_id"] is not None:
            linked[row["interaction_event_id"]].append(row)
    return linked


def _pair_ease(batch: Batch, row: SignalRow) -> None:
    """Count a customer/employee ease pair once, when its second half arrives; the halves
    are one customer's (a survey naming another customer's interaction pairs with none)."""
    link, customer = row["interaction_event_id"], row["customer_id"]
    if row["source"] == "survey" and row["ces"] is not None and link:
        for interaction in _halves(batch.linked[link], "interaction", customer):
            batch.counters.count_ease_pair(interaction, row["ces"])
        batch.linked[link].append(row)
    elif row["source"] == "interaction" and row["employee_ease"] is not None:
        for survey in _halves(batch.linked[row["event_id"]], "survey", customer):
            assert survey["ces"] is not None
            batch.counters.count_ease_pair(row, survey["ces"])
        batch.linked[row["event_id"]].append(row)


def _halves(rows: list[SignalRow], source: str, customer: str) -> list[SignalRow]:
    return [p for p in rows if p["source"] == source and p["customer_id"] == customer]


def _keep_latest(batch: Batch, row: SignalRow) -> None:
    assert row["touchpoint"] is not None
    assert row["valence"] is not None
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


# An event id is the client's name for one event: given again for another customer, it is
# another event under a name already taken, which would be dropped as a redelivery unseen.
_REUSED = "event_id already used by another customer's signal: give each event its own id"


def _claims(batch: Sequence[Consumed]) -> dict[str, list[tuple[Signal, Consumed]]]:
    """The batch's signals by event id, with their records, in the batch's order (a
    redelivery is the same event under the same id)."""
    claims: dict[str, list[tuple[Signal, Consumed]]] = {}
    for consumed in batch:
        event = consumed.event
        if isinstance(event, Signal):
            claims.setdefault(event.event_id, []).append((event, consumed))
    return claims


def _owned(claims: list[tuple[Signal, Consumed]], stored: SignalRow | None) -> Signal:
    """The signal an event id names: the one of the customer who holds the id already, else
    the first in the batch (two customers' records are on different partitions, in no order).

    :raises InvalidEvent: a record giving the id to another customer's signal.
    """
    owner = stored["customer_id"] if stored is not None else claims[0][0].customer_id
    for event, consumed in claims:
        if event.customer_id != owner:
            raise InvalidEvent(consumed, _REUSED)
    return claims[0][0]
