"""Every query of the experience state: the consumer's reads and array writes on the driver,
signals by COPY (``ExperienceRepository``); the API's reads (``ExperienceReads``), the
customer's experience in one statement (``read_experience``)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, cast

from sqlalchemy import Row, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.experience.arrays import ArrayStatement
from services.scoring.experience.rows import (
    DayRow,
    LatestRow,
    RevaluedRow,
    SignalRow,
)
from services.scoring.experience.schemas import VerbatimRead
from services.scoring.experience.verbatims import VerbatimRow
from services.scoring.models import (
    COUNTERS,
    customer,
    signal,
    touchpoint_day,
    touchpoint_latest,
    verbatim,
)
from shared.db.arrays import SPLIT_IDS, spaced
from shared.db.copy import copy_rows, raw_connection


class ExperienceRepository:
    """Reads go straight to the driver with hand-checked SQL: this is the consumer's hot
    path, and a batch's handful of queries would otherwise spend more time in statement
    building and result wrapping than in PostgreSQL."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def signals(self, event_ids: Collection[str]) -> dict[str, SignalRow]:
        if not event_ids:
            return {}
        rows = await self._fetch(_SIGNALS_BY_ID, spaced(set(event_ids)))
        return {row["event_id"]: cast(SignalRow, dict(row)) for row in rows}

    async def lock_customers(self, customer_ids: Collection[str]) -> dict[str, Sequence[Any]]:
        """Lock for this transaction the rows of those customers who have one; each row has
        the table's columns in its order but the last, ``updated_at``, which :meth:`save`
        writes anew (a timestamp decoded costs as much as four numbers). A customer without
        a row gets one from :meth:`save`, which fails the transaction if another created it
        meanwhile."""
        if not customer_ids:
            return {}
        rows = await self._fetch(_LOCK_CUSTOMERS, spaced(sorted(customer_ids)))
        # the driver's records as they are: read by position (CustomerState.from_record)
        return {row[0]: row for row in rows}

    async def contacts(
        self, interactions: Sequence[tuple[str, str, datetime]], window: timedelta
    ) -> list[SignalRow]:
        """The stored interactions that matter to these (customer, touchpoint, occurrence
        time) of a batch: for each pair, those from ``window`` before its earliest time to
        ``window`` after its latest; each pair's by occurrence time and event id.

        One index range scan per pair (the customer's signals in the window), whatever the
        table's statistics say; only the pairs' rows in their own windows are sent and
        decoded, where one window for the whole batch (its earliest to its latest signal,
        widened) returned every interaction of its customers in a month of history.
        PostgreSQL groups the pairs: one time sent per interaction, not two per pair.
        """
        if not interactions:
            return []
        customers, touchpoints, times = zip(*interactions, strict=True)
        microseconds = window // timedelta(microseconds=1)
        rows = await self._fetch(
            _CONTACTS, spaced(customers), spaced(touchpoints), list(times), microseconds
        )
        return [cast(SignalRow, dict(row)) for row in rows]

    async def c2es_partners(
        self, interaction_ids: Collection[str], linked_ids: Collection[str]
    ) -> list[SignalRow]:
        """Stored halves of customer/employee ease pairs: the interactions that surveys of
        this batch answer, and the surveys that answer interactions of this batch."""
        if not interaction_ids and not linked_ids:
            return []
        # each id once: an id given twice would return its rows twice
        rows = await self._fetch(
            _C2ES_PARTNERS, spaced(set(linked_ids)), spaced(set(interaction_ids))
        )
        return [cast(SignalRow, dict(row)) for row in rows]

    async def verbatims(self, event_ids: Collection[str]) -> dict[str, VerbatimRow]:
        """The stored verbatims of these signals, by event id."""
        if not event_ids:
            return {}
        query = select(verbatim).where(verbatim.c.event_id.in_(event_ids))
        rows = (await self.session.execute(query)).mappings()
        return {row["event_id"]: cast(VerbatimRow, dict(row)) for row in rows}

    async def _fetch(self, sql: str, *arguments: Any) -> list[Any]:
        driver = await raw_connection(self.session)
        return list(await driver.fetch(sql, *arguments))

    async def save(
        self,
        customers: Sequence[tuple[Any, ...]],
        created: Sequence[tuple[Any, ...]],
        updated_at: datetime,
        signals: Sequence[SignalRow],
        revalued: Sequence[RevaluedRow],
        latest: Iterable[LatestRow],
        days: Sequence[DayRow],
        verbatims: Sequence[VerbatimRow] = (),
    ) -> None:
        """Write a batch's rows: signals and verbatims by COPY, the rest one statement per
        table with the rows sent as one array. ``customers`` and ``created`` are the rows of
        the customers locked and of those without one, tuples in the table's column order
        (``CustomerState.record``), every one stamped ``updated_at``."""
        if signals:
            await copy_rows(self.session, signal, signals)
        if verbatims:
            await copy_rows(self.session, verbatim, verbatims)
        if revalued:
            await self._revalue(revalued)
        if customers or created:
            driver = await raw_connection(self.session)
            await driver.execute(_SAVE_CUSTOMERS, customers, created, updated_at)
        latest = list(latest)
        if latest:
            await self._write(_UPSERT_LATEST, latest)
        if days:
            await self._write(_ADD_DAY_COUNTERS, days)

    async def _write(self, statement: ArrayStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        driver = await raw_connection(self.session)
        await driver.execute(statement.sql, *statement.arrays(rows))

    async def _revalue(self, rows: Sequence[RevaluedRow]) -> None:
        """Make these stored signals repeat contacts, with their new valence and polarity."""
        driver = await raw_connection(self.session)
        ids = [row["event_id"] for row in rows]
        valences = [row["valence"] for row in rows]
        await driver.execute(_REVALUE, ids, valences, [row["polarity"] for row in rows])


_CUSTOMER_COLUMNS = [c.name for c in customer.columns]
assert _CUSTOMER_COLUMNS[-1] == "updated_at"  # the column the lock does not read
_SIGNAL_COLUMNS = ", ".join(c.name for c in signal.columns)


# A lookup by id, one index probe per id whatever the table's statistics say. As
# ``event_id = ANY($1)`` the plan followed the statistics: a table vacuumed while it was
# small or empty (a new deployment, the bench's settled database) looks like a few pages
# of wide rows, so every batch read it whole (7–11 ms at 50,000 rows, where the probes take
# about 1). ``OFFSET 0`` keeps the subquery from being merged into a join: it runs once per
# id, the id as its parameter, and for one value of a key the index always wins.
def _lookup(ids: str, condition: str) -> str:
    """The signal rows where ``condition`` holds for an id ``k.id`` of the array ``ids``."""
    inner = f"SELECT {_SIGNAL_COLUMNS} FROM {signal.fullname} WHERE {condition} OFFSET 0"  # noqa: S608
    return f"SELECT s.* FROM unnest({ids}) AS k (id) CROSS JOIN LATERAL ({inner}) AS s"  # noqa: S608


# Each list of ids is one parameter, the ids joined by a space (``shared.db.arrays``): the
# plan does not grow with the batch, unlike IN (...). Names come from the tables' metadata,
# never from input.
_SIGNALS_BY_ID = _lookup(SPLIT_IDS.format(n=1), "event_id = k.id")
_LOCK_CUSTOMERS = (
    f"SELECT {', '.join(_CUSTOMER_COLUMNS[:-1])} FROM {customer.fullname} "  # noqa: S608
    f"WHERE customer_id = ANY({SPLIT_IDS.format(n=1)}) ORDER BY customer_id FOR UPDATE"
)
# The window in microseconds: an interval of days would add calendar days in the session's
# time zone, 23 or 25 hours across a change of summer time, where Python adds 24.
_CONTACTS = (
    "SELECT s.* FROM (SELECT customer_id, touchpoint, "  # noqa: S608
    "min(at) - $4::bigint * interval '1 microsecond' AS since, "
    "max(at) + $4::bigint * interval '1 microsecond' AS until "
    f"FROM unnest({SPLIT_IDS.format(n=1)}, {SPLIT_IDS.format(n=2)}, $3::timestamptz[]) "
    "AS i (customer_id, touchpoint, at) "
    "GROUP BY customer_id, touchpoint) AS k CROSS JOIN LATERAL ("
    f"SELECT {_SIGNAL_COLUMNS} FROM {signal.fullname} "
    "WHERE customer_id = k.customer_id AND occurred_at BETWEEN k.since AND k.until "
    "AND touchpoint = k.touchpoint AND source = 'interaction' "
    "ORDER BY occurred_at, event_id OFFSET 0) AS s"
)
# An interaction and a survey never meet each other's condition (only an interaction has an
# employee's ease, only a survey a link), so no row is in both halves.
_C2ES_PARTNERS = " UNION ALL ".join(
    (
        _lookup(SPLIT_IDS.format(n=1), "event_id = k.id AND employee_ease IS NOT NULL"),
        # the link index holds only the rows that have one
        _lookup(
            SPLIT_IDS.format(n=2),
            "interaction_event_id = k.id AND interaction_event_id IS NOT NULL AND ces IS NOT NULL",
        ),
    )
)
# One statement for the batch's rewritten rows (a few dozen, joined with their arrays
# through the primary key), where one per row was planned and run for each.
_REVALUE = (
    f"UPDATE {signal.fullname} AS s "  # noqa: S608
    "SET valence = r.valence, polarity = r.polarity, repeat_contact = true "
    "FROM unnest($1::text[], $2::float8[], $3::smallint[]) AS r (event_id, valence, polarity) "
    "WHERE s.event_id = r.event_id"
)
# The customers locked ($1) rewritten, those without a row ($2) created in the same
# statement, every row stamped $3, the batch's time: sent once, not in each row (a timestamp
# costs the driver as much as four numbers; 1,575 → 1,290 µs for 385 customers). A plain
# INSERT: a row another transaction created since the lock (the same customer's events on
# two partitions, during a rebalance) is a unique violation that fails this transaction,
# whose batch is retried and then locks it, where an upsert would write over what the
# other applied. Creating the rows before locking cost every batch one more statement, and
# each new customer a row version written twice in its transaction.
_STAMPED = ", ".join([*_CUSTOMER_COLUMNS[:-1], "$3::timestamptz"])
_SAVE_CUSTOMERS = (
    f"WITH created AS (INSERT INTO {customer.fullname} ({', '.join(_CUSTOMER_COLUMNS)}) "  # noqa: S608
    f"SELECT {_STAMPED} FROM unnest($2::{customer.fullname}[])) "
    f"INSERT INTO {customer.fullname} ({', '.join(_CUSTOMER_COLUMNS)}) "
    f"SELECT {_STAMPED} FROM unnest($1::{customer.fullname}[]) "
    "ON CONFLICT (customer_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _CUSTOMER_COLUMNS[1:])
)
_UPSERT_LATEST = ArrayStatement.insert_records(
    touchpoint_latest,
    "ON CONFLICT (customer_id, touchpoint) DO UPDATE SET event_id = excluded.event_id, "
    "occurred_at = excluded.occurred_at, valence = excluded.valence "
    "WHERE (excluded.occurred_at, excluded.event_id) "
    ">= (touchpoint_latest.occurred_at, touchpoint_latest.event_id)",
)
_ADD_DAY_COUNTERS = ArrayStatement.insert_records(
    touchpoint_day,
    "ON CONFLICT (touchpoint, day, channel, persona) DO UPDATE SET "
    + ", ".join(f"{name} = touchpoint_day.{name} + excluded.{name}" for name in COUNTERS),
)


class ExperienceReads:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def customer(self, customer_id: str) -> Row[Any] | None:
        query = select(customer).where(customer.c.customer_id == customer_id)
        return (await self.session.execute(query)).first()

    async def verbatims(self, event_ids: list[str]) -> dict[str, VerbatimRead]:
        """The verbatims of these signals, in full, by event id."""
        if not event_ids:
            return {}
        query = select(verbatim).where(verbatim.c.event_id.in_(event_ids))
        rows = (await self.session.execute(query)).mappings()
        return {row["event_id"]: VerbatimRead.model_validate(dict(row)) for row in rows}

    async def signals_after(
        self, customer_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> list[Row[Any]]:
        """Valued signals in occurrence order, strictly after ``after``."""
        query = select(signal).where(
            signal.c.customer_id == customer_id, signal.c.valence.is_not(None)
        )
        if after is not None:
            position = tuple_(signal.c.occurred_at, signal.c.event_id)
            query = query.where(position > tuple_(literal(after[0]), literal(after[1])))
        query = query.order_by(signal.c.occurred_at, signal.c.event_id).limit(limit)
        return list(await self.session.execute(query))


class VerbatimColumns(NamedTuple):
    text: str
    language: str
    sentiment: float
    sentiment_class: str
    emotions: str  # JSON
    topics: str  # JSON


class HeavySignal(NamedTuple):
    """A valued signal with the weight it keeps at the customer's reference time."""

    event_id: str
    source: str
    touchpoint: str | None
    occurred_at: datetime
    valence: float
    weight: float
    effective: float
    verbatim: VerbatimColumns | None


class LatestValence(NamedTuple):
    touchpoint: str
    valence: float
    occurred_at: datetime
    event_id: str


@dataclass(frozen=True, slots=True)
class ExperienceRecord:
    state: Any  # the customer's row: s, w, t_ref, counts, last NPS, profile
    heaviest: list[HeavySignal]  # heaviest first; none without sums (t_ref None or w 0)
    latest: list[LatestValence]  # latest first


async def read_experience(
    driver: Any, customer_id: str, half_life_s: float, top: int
) -> ExperienceRecord | None:
    """The customer's state, their ``top`` heaviest valued signals at the state's reference
    time with their verbatims, and their latest valence per touchpoint; None for a customer
    with no state.

    One statement on an asyncpg connection: one round trip, one snapshot, prepared once per
    connection by the driver.
    """
    row = await driver.fetchrow(_EXPERIENCE, customer_id, half_life_s, top)
    if row is None:
        return None
    return ExperienceRecord(
        row,
        [_heavy(signal) for signal in row["heaviest"]],
        [LatestValence._make(latest) for latest in row["latest"]],
    )


def _heavy(columns: tuple[Any, ...]) -> HeavySignal:
    words = columns[-1]
    return HeavySignal._make((*columns[:-1], VerbatimColumns._make(words) if words else None))


# The effective weight is formulas.decay's, computed by PostgreSQL so that only the top
# rows travel: w·2^(−age/H), the age in seconds (numeric) divided by H (a double), as the
# earlier SQLAlchemy expression had it, so the figures are the same to the bit. Each
# ARRAY(SELECT ROW(...)) comes back as a list of tuples in the named tuples' order; a
# signal's verbatim as a nested tuple, or None.
_EXPERIENCE = f"""
SELECT c.s, c.w, c.t_ref, c.signals, c.positives, c.negatives, c.last_nps, c.persona,
       c.value_tier,
       ARRAY(
           SELECT ROW(h.event_id, h.source, h.touchpoint, h.occurred_at, h.valence, h.weight,
                      h.effective,
                      (SELECT ROW(v.text, v.language, v.sentiment, v.sentiment_class,
                                  v.emotions, v.topics)
                       FROM {verbatim.fullname} AS v WHERE v.event_id = h.event_id))
           FROM (
               SELECT event_id, source, touchpoint, occurred_at, valence, weight,
                      weight * power(2.0::float8,
                          -extract(epoch FROM c.t_ref - occurred_at) / $2::float8
                      ) AS effective
               FROM {signal.fullname}
               WHERE customer_id = c.customer_id AND valence IS NOT NULL
                 AND c.t_ref IS NOT NULL AND c.w > 0
               ORDER BY effective DESC, event_id
               LIMIT $3
           ) AS h
           ORDER BY h.effective DESC, h.event_id
       ) AS heaviest,
       ARRAY(
           SELECT ROW(touchpoint, valence, occurred_at, event_id)
           FROM {touchpoint_latest.fullname}
           WHERE customer_id = c.customer_id
           ORDER BY occurred_at DESC
       ) AS latest
FROM {customer.fullname} AS c
WHERE c.customer_id = $1
"""  # noqa: S608 (table names from the metadata, values as parameters)
