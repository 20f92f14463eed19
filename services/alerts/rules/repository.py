"""Every query of the rules consumer and of the rule versions (``RulesRepository``), and the
API's reads (``AlertReads``)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    Row,
    Select,
    and_,
    func,
    literal,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.alerts.rules.models import (
    AlertStatus,
    alert,
    alert_change,
    alert_moment,
    alert_rules_version,
    customer_lxi,
    spike_bucket,
)
from services.alerts.rules.pruning import Horizons
from services.alerts.rules.schemas import AlertFilter
from shared.db.arrays import equals_any

RULES_LOCK = zlib.crc32(b"alerts.alert_rules_version")
# The batch's alerts, new and changed, the changes they went through and the moments they
# gathered, each parameter a JSON array of rows. A changed alert rewrites the columns its
# later changes move; one closed meanwhile by its task (closing.py) stays closed.
_SAVE_ALERTS = text(
    """
    WITH new AS (
      INSERT INTO alerts.alert (id, rule, level, dedupe_key, customer_id, touchpoint,
        department, referent, severity, priority, status, occurrences, first_at, last_at,
        changes, summary, summary_reasons, persona, value_tier, lxi, term)
      SELECT id, rule, level, dedupe_key, customer_id, touchpoint, department, referent,
        severity, priority, status, occurrences, first_at, last_at, changes, summary,
        summary_reasons, persona, value_tier, lxi, term
      FROM jsonb_populate_recordset(NULL::alerts.alert, CAST(:new AS jsonb))
    ), changed AS (
      UPDATE alerts.alert AS a
      SET severity = c.severity, priority = c.priority,
        status = CASE WHEN a.status = 'closed' THEN a.status ELSE c.status END,
        occurrences = c.occurrences, last_at = c.last_at, changes = c.changes,
        summary = c.summary, summary_reasons = c.summary_reasons, persona = c.persona,
        value_tier = c.value_tier, lxi = c.lxi, updated_at = now()
      FROM jsonb_populate_recordset(NULL::alerts.alert, CAST(:changed AS jsonb)) AS c
      WHERE a.id = c.id
    ), changes AS (
      INSERT INTO alerts.alert_change (alert_id, number, moment_id, change, changed_at, event)
      SELECT alert_id, number, moment_id, change, changed_at, event
      FROM jsonb_populate_recordset(NULL::alerts.alert_change, CAST(:changes AS jsonb))
    )
    INSERT INTO alerts.alert_moment (alert_id, moment_id, change, customer_id, touchpoint,
      valence, occurred_at, details)
    SELECT alert_id, moment_id, change, customer_id, touchpoint, valence, occurred_at, details
    FROM jsonb_populate_recordset(NULL::alerts.alert_moment, CAST(:moments AS jsonb))
    """
)
# The touchpoints' spike locks taken in key order, and the current rule document read
# (null before the first version): always one row.
_LOCK_AND_READ_RULES = text(
    """
    SELECT
      (SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))
       FROM (SELECT unnest(CAST(:keys AS text[])) AS key ORDER BY key) AS sorted) AS locked,
      (SELECT document FROM alerts.alert_rules_version ORDER BY version DESC LIMIT 1)
        AS document
    """
)
# A touchpoint's verbatims per day (``term`` null), then those holding each of the given
# (touchpoint, term) pairs, from :since to :until.
_DAYS = text(
    """
    SELECT touchpoint, CAST(NULL AS text) AS term, day, verbatims
    FROM alerts.irritant_day
    WHERE touchpoint = ANY(CAST(:touchpoints AS text[])) AND day BETWEEN :since AND :until
    UNION ALL
    SELECT d.touchpoint, d.term, d.day, d.verbatims
    FROM alerts.irritant_term_day d
    JOIN unnest(CAST(:pair_touchpoints AS text[]), CAST(:terms AS text[])) AS p(touchpoint, term)
      ON d.touchpoint = p.touchpoint AND d.term = p.term
    WHERE d.day BETWEEN :since AND :until
    """
)
# The LXI steps appended and the counters' deltas added, each table's rows in the order
# given (``add_state`` sorts them).
_ADD_STATE = text(
    """
    WITH steps AS (
      INSERT INTO alerts.customer_lxi (customer_id, moment_id, at, lxi_before, lxi_after)
      SELECT * FROM unnest(CAST(:s_customer_id AS text[]), CAST(:s_moment_id AS text[]),
                           CAST(:s_at AS timestamptz[]), CAST(:s_lxi_before AS float8[]),
                           CAST(:s_lxi_after AS float8[]))
    ), buckets AS (
      INSERT INTO alerts.spike_bucket AS t (touchpoint, minute, total, negatives)
      SELECT * FROM unnest(CAST(:b_touchpoint AS text[]), CAST(:b_minute AS timestamptz[]),
                           CAST(:b_total AS int[]), CAST(:b_negatives AS int[]))
      ON CONFLICT (touchpoint, minute) DO UPDATE
      SET total = t.total + excluded.total, negatives = t.negatives + excluded.negatives
    ), days AS (
      INSERT INTO alerts.irritant_day AS t (touchpoint, day, verbatims)
      SELECT * FROM unnest(CAST(:d_touchpoint AS text[]), CAST(:d_day AS date[]),
                           CAST(:d_verbatims AS int[]))
      ON CONFLICT (touchpoint, day) DO UPDATE SET verbatims = t.verbatims + excluded.verbatims
    )
    INSERT INTO alerts.irritant_term_day AS t (touchpoint, term, day, verbatims)
    SELECT * FROM unnest(CAST(:t_touchpoint AS text[]), CAST(:t_term AS text[]),
                         CAST(:t_day AS date[]), CAST(:t_verbatims AS int[]))
    ON CONFLICT (touchpoint, term, day) DO UPDATE SET verbatims = t.verbatims + excluded.verbatims
    """
)
# Per key, the rows older than its horizon go: LXI steps per customer, counters per
# touchpoint. One statement for the four tables, whatever the number of keys.
_PRUNE = text(
    """
    WITH steps AS (
      DELETE FROM alerts.customer_lxi AS t
      USING unnest(CAST(:customers AS text[]), CAST(:steps_before AS timestamptz[])) AS p(k, b)
      WHERE t.customer_id = p.k AND t.at < p.b
    ), buckets AS (
      DELETE FROM alerts.spike_bucket AS t
      USING unnest(CAST(:touchpoints AS text[]), CAST(:buckets_before AS timestamptz[])) AS p(k, b)
      WHERE t.touchpoint = p.k AND t.minute < p.b
    ), days AS (
      DELETE FROM alerts.irritant_day AS t
      USING unnest(CAST(:day_touchpoints AS text[]), CAST(:days_before AS date[])) AS p(k, b)
      WHERE t.touchpoint = p.k AND t.day < p.b
    )
    DELETE FROM alerts.irritant_term_day AS t
    USING unnest(CAST(:day_touchpoints AS text[]), CAST(:days_before AS date[])) AS p(k, b)
    WHERE t.touchpoint = p.k AND t.day < p.b
    """
)


class RulesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_and_read_rules(self, touchpoints: Sequence[str]) -> dict[str, Any]:
        """Serialise spike evaluation of each touchpoint across consumers, until commit; read
        the current rule document ({} before the first version) in the same round trip.

        The locks are taken sorted, so two batches never wait on each other in a cycle.
        """
        keys = sorted(f"alerts.spike:{touchpoint}" for touchpoint in touchpoints)
        found = await self.session.execute(_LOCK_AND_READ_RULES, {"keys": keys})
        document = found.one().document
        return dict(document) if document else {}

    async def open_alerts(
        self,
        customers: Collection[str],
        committee_keys: Collection[str],
        irritant_touchpoints: Collection[str] = (),
    ) -> list[Row[Any]]:
        """The newest open alert per (customer, dedupe key), for these customers, for these
        committee keys and for every emerging irritant at these touchpoints."""
        committee = alert.c.customer_id.is_(None)
        query = (
            select(alert)
            .where(
                alert.c.status == AlertStatus.OPEN.value,
                or_(
                    equals_any(alert.c.customer_id, customers),
                    and_(committee, equals_any(alert.c.dedupe_key, committee_keys)),
                    and_(
                        committee,
                        alert.c.rule == "emerging_irritant",
                        equals_any(alert.c.touchpoint, irritant_touchpoints),
                    ),
                ),
            )
            .order_by(alert.c.customer_id, alert.c.dedupe_key, alert.c.last_at.desc())
            .ext(distinct_on(alert.c.customer_id, alert.c.dedupe_key))
        )
        return list(await self.session.execute(query))

    async def close_alerts(self, alert_ids: Sequence[str]) -> None:
        """Close those of ``alert_ids`` that are open (customer alerts, sorted: lock order)."""
        await self.session.execute(
            update(alert)
            .where(alert.c.id.in_(alert_ids), alert.c.status == AlertStatus.OPEN.value)
            .values(status=AlertStatus.CLOSED.value, updated_at=func.now())
        )

    async def lxi_steps(self, customers: Collection[str], since: datetime) -> list[Row[Any]]:
        query = select(customer_lxi).where(
            equals_any(customer_lxi.c.customer_id, customers), customer_lxi.c.at >= since
        )
        return list(await self.session.execute(query))

    async def buckets(
        self, touchpoints: Collection[str], since: datetime, until: datetime
    ) -> list[Row[Any]]:
        query = select(spike_bucket).where(
            equals_any(spike_bucket.c.touchpoint, touchpoints),
            spike_bucket.c.minute.between(since, until),
        )
        return list(await self.session.execute(query))

    async def days(
        self,
        touchpoints: Collection[str],
        pairs: Collection[tuple[str, str]],
        since: date,
        until: date,
    ) -> list[Row[Any]]:
        """Per day from ``since`` to ``until``: the verbatims of each of ``touchpoints``
        (``term`` None), and those holding each (touchpoint, term) of ``pairs``."""
        pair_touchpoints, terms = zip(*pairs, strict=True) if pairs else ((), ())
        params = {
            "touchpoints": list(touchpoints),
            "pair_touchpoints": list(pair_touchpoints),
            "terms": list(terms),
            "since": since,
            "until": until,
        }
        return list(await self.session.execute(_DAYS, params))

    async def add_state(
        self,
        steps: Sequence[Mapping[str, Any]],
        buckets: Sequence[Mapping[str, Any]],
        days: Sequence[Mapping[str, Any]],
        terms: Sequence[Mapping[str, Any]],
    ) -> None:
        """Append the LXI ``steps`` seen; add to the counters: moments and negatives per
        (touchpoint, minute), verbatims per (touchpoint, day) and per (touchpoint, term,
        day). One statement; each table's rows sorted by key, so two batches lock rows in
        one order."""
        params: dict[str, list[Any]] = {}
        for prefix, rows, key, values in (
            ("s", steps, ("customer_id", "moment_id"), ("at", "lxi_before", "lxi_after")),
            ("b", buckets, ("touchpoint", "minute"), ("total", "negatives")),
            ("d", days, ("touchpoint", "day"), ("verbatims",)),
            ("t", terms, ("touchpoint", "term", "day"), ("verbatims",)),
        ):
            ordered = sorted(rows, key=itemgetter(*key))
            for column in (*key, *values):
                params[f"{prefix}_{column}"] = [row[column] for row in ordered]
        if any(params.values()):
            await self.session.execute(_ADD_STATE, params)

    async def changes_of(self, moment_ids: Collection[str]) -> list[Row[Any]]:
        """The changes these moments made, in the order they were made."""
        if not moment_ids:
            return []
        query = (
            select(alert_change.c.event)
            .where(equals_any(alert_change.c.moment_id, moment_ids))
            .order_by(alert_change.c.changed_at, alert_change.c.alert_id, alert_change.c.number)
        )
        return list(await self.session.execute(query))

    async def save_alerts(
        self,
        new: Sequence[Mapping[str, Any]],
        changed: Sequence[Mapping[str, Any]],
        changes: Sequence[Mapping[str, Any]],
        moments: Sequence[Mapping[str, Any]],
    ) -> None:
        """Insert the ``new`` alerts, update the ``changed`` ones, append the ``changes``
        they went through and the ``moments`` they gathered: one statement."""
        rows = {"new": new, "changed": changed, "changes": changes, "moments": moments}
        if not any(rows.values()):
            return
        params = {name: json.dumps(list(r), default=_isoformat) for name, r in rows.items()}
        await self.session.execute(_SAVE_ALERTS, params)

    async def prune(self, horizons: Horizons) -> None:
        """Forget LXI steps per customer and counters per touchpoint older than their
        horizon: one statement, whatever the number of keys."""
        params = {
            "customers": list(horizons.steps),
            "steps_before": list(horizons.steps.values()),
            "touchpoints": list(horizons.buckets),
            "buckets_before": list(horizons.buckets.values()),
            "day_touchpoints": list(horizons.days),
            "days_before": list(horizons.days.values()),
        }
        await self.session.execute(_PRUNE, params)

    async def lock_rules(self) -> None:
        """Hold the rule versions' lock until commit: versions are numbered without clashes."""
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RULES_LOCK})

    async def current_rules(self) -> Row[Any] | None:
        query = select(alert_rules_version).order_by(alert_rules_version.c.version.desc()).limit(1)
        return (await self.session.execute(query)).first()

    async def add_rules(
        self, version: int, document: Mapping[str, Any], created_by: str
    ) -> Row[Any]:
        stmt = (
            insert(alert_rules_version)
            .values(version=version, document=document, created_by=created_by)
            .returning(alert_rules_version)
        )
        row: Row[Any] = (await self.session.execute(stmt)).one()
        return row


_EQUAL = ("status", "rule", "level", "department", "touchpoint", "customer_id", "persona")


class AlertReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, filters: AlertFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[Row[Any]]:
        """Alerts matching ``filters``, newest first by (last_at, id), strictly after ``after``."""
        query = _filtered(select(alert), filters)
        if after is not None:
            position = tuple_(alert.c.last_at, alert.c.id)
            query = query.where(position < tuple_(literal(after[0]), literal(after[1])))
        query = query.order_by(alert.c.last_at.desc(), alert.c.id.desc()).limit(limit)
        return list(await self.session.execute(query))

    async def get(self, alert_id: str) -> Row[Any] | None:
        return (await self.session.execute(select(alert).where(alert.c.id == alert_id))).first()

    async def moments(self, alert_id: str, limit: int) -> list[Row[Any]]:
        query = (
            select(alert_moment)
            .where(alert_moment.c.alert_id == alert_id)
            .order_by(alert_moment.c.occurred_at, alert_moment.c.change)
            .limit(limit)
        )
        return list(await self.session.execute(query))

    async def changes(self, alert_id: str, limit: int) -> list[Row[Any]]:
        query = (
            select(alert_change)
            .where(alert_change.c.alert_id == alert_id)
            .order_by(alert_change.c.number)
            .limit(limit)
        )
        return list(await self.session.execute(query))


def _filtered(query: Select[Any], filters: AlertFilter) -> Select[Any]:
    for name in _EQUAL:
        value = getattr(filters, name)
        if value is not None:
            query = query.where(alert.c[name] == str(value))
    if filters.min_priority is not None:
        query = query.where(alert.c.priority >= filters.min_priority)
    return query


def _isoformat(value: datetime) -> str:
    return value.isoformat()
