"""Applying a batch of moments to the alerts, exactly once in effect.

Each moment's id is claimed in ``processed_event`` in the same transaction as its effects,
and each change it made is stored with the event that announces it: a redelivered moment
changes nothing and publishes those very events again (same ids), so a crash between the
commit and the publication loses none.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.models import processed_event
from services.alerts.rules.config import RulesSettings
from services.alerts.rules.evaluation import Evaluator
from services.alerts.rules.pruning import Pruner, day_of
from services.alerts.rules.repository import RulesRepository
from services.alerts.rules.rulebook import RuleBook
from services.alerts.rules.state import Alert, BatchState, TermDays, minute_of
from services.alerts.rules.triggers import LxiStep
from shared.events.alerts import AlertChanged
from shared.events.schemas import Event, MomentEvaluated
from shared.journey import JourneyMap
from shared.kafka.journey_watch import JourneyMapHolder
from shared.kafka.runner import Consumed, only_new


class RulesService:
    def __init__(self, settings: RulesSettings, journey: JourneyMapHolder) -> None:
        self.settings = settings
        self.journey = journey
        self.lifetime = timedelta(days=settings.alert_open_days)
        self._waited_for_map = False
        self.pruner = Pruner(settings.rules_prune_seconds)

    async def apply(self, session: AsyncSession, batch: Sequence[Consumed]) -> list[Event]:
        """Evaluate the batch's new moments in order; return the alert changes to publish
        (those of redelivered moments included)."""
        repo = RulesRepository(session)
        new = await only_new(session, processed_event, batch)
        again = await repo.changes_of({c.envelope.id for c in batch} - {c.envelope.id for c in new})
        moments = [c.event for c in new if isinstance(c.event, MomentEvaluated)]
        changes = await self._evaluate(repo, moments) if moments else []
        return [*(AlertChanged.model_validate(row.event) for row in again), *changes]

    async def _evaluate(
        self, repo: RulesRepository, moments: list[MomentEvaluated]
    ) -> list[AlertChanged]:
        touchpoints = sorted({m.touchpoint for m in moments if m.touchpoint})
        document = await repo.lock_and_read_rules(touchpoints)
        book = RuleBook.build(self.settings, document, await self._journey_map())
        state = await self._load(repo, book, moments, touchpoints)
        evaluator = Evaluator(book, state, self.lifetime)
        for moment in moments:
            evaluator.evaluate(moment)
        await self._save(repo, book, state, moments)
        return state.events

    async def _journey_map(self) -> JourneyMap | None:
        """The map held; the first time, wait a little for one to arrive (at start-up the
        consumer may be assigned its partitions before the map is read)."""
        if self.journey.current is None and not self._waited_for_map:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.journey.changed.wait(), self.settings.rules_map_wait_seconds
                )
        self._waited_for_map = True
        return self.journey.current

    async def _load(
        self,
        repo: RulesRepository,
        book: RuleBook,
        moments: list[MomentEvaluated],
        touchpoints: list[str],
    ) -> BatchState:
        """What the batch reads, its ``touchpoints`` locked (see ``lock_and_read_rules``)."""
        customers = {m.customer_id for m in moments}
        spoken = sorted({m.touchpoint for m in moments if m.touchpoint and m.verbatim})
        spikes = [f"spike:{tp}" for tp in touchpoints]
        alerts = [Alert.from_row(row) for row in await repo.open_alerts(customers, spikes, spoken)]
        earliest = min(m.occurred_at for m in moments)
        steps: dict[str, list[LxiStep]] = defaultdict(list)
        since = earliest - timedelta(days=book.longest_drop_days())
        for row in await repo.lxi_steps(customers, since):
            steps[row.customer_id].append(LxiStep(row.at, row.lxi_before, row.lxi_after))
        buckets: dict[str, dict[datetime, list[int]]] = defaultdict(dict)
        since = minute_of(earliest) - timedelta(seconds=book.longest_spike_seconds())
        latest = max(m.occurred_at for m in moments)
        for row in await repo.buckets(touchpoints, since, latest):
            buckets[row.touchpoint][row.minute] = [row.total, row.negatives]
        term_days = await self._term_days(repo, book, moments, alerts)
        return BatchState({a.key: a for a in alerts}, dict(steps), dict(buckets), term_days)

    async def _term_days(
        self,
        repo: RulesRepository,
        book: RuleBook,
        moments: list[MomentEvaluated],
        alerts: list[Alert],
    ) -> TermDays:
        """The day counts the batch's verbatims can read: of their touchpoints, and of their
        terms and the terms of the touchpoints' open irritant alerts."""
        spoken = [(m.touchpoint, m) for m in moments if m.touchpoint and m.verbatim]
        if not spoken:
            return TermDays()
        pairs = {(tp, t) for tp, m in spoken if m.verbatim for t in m.verbatim.uncovered_terms}
        pairs |= {(a.touchpoint, a.term) for a in alerts if a.term and a.touchpoint}
        days = [day_of(m.occurred_at) for _, m in spoken]
        since, until = min(days) - timedelta(days=book.longest_irritant_days()), max(days)
        found = TermDays()
        for row in await repo.days({tp for tp, _ in spoken}, sorted(pairs), since, until):
            if row.term is None:
                found.verbatims.setdefault(row.touchpoint, {})[row.day] = row.verbatims
            else:
                found.terms.setdefault((row.touchpoint, row.term), {})[row.day] = row.verbatims
        return found

    async def _save(
        self,
        repo: RulesRepository,
        book: RuleBook,
        state: BatchState,
        moments: list[MomentEvaluated],
    ) -> None:
        touched = list(state.touched.values())
        await repo.save_alerts(
            [a.as_row() for a in touched if not a.stored],
            [a.as_row() for a in touched if a.stored],
            state.alert_changes,
            state.alert_moments,
        )
        counted = state.term_days
        await repo.add_state(
            state.new_steps,
            [
                {"touchpoint": tp, "minute": minute, "total": total, "negatives": negatives}
                for (tp, minute), (total, negatives) in state.bucket_deltas.items()
            ],
            [
                {"touchpoint": tp, "day": day, "verbatims": n}
                for (tp, day), n in counted.verbatim_deltas.items()
            ],
            [
                {"touchpoint": tp, "term": term, "day": day, "verbatims": n}
                for (tp, term, day), n in counted.term_deltas.items()
            ],
        )
        if horizons := self.pruner.due(book, moments):
            await repo.prune(horizons)
