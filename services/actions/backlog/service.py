"""The backlog as the committee reads and changes it; impact is computed when read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func
from sqlalchemy.ext.asyncio import AsyncSession

from services.actions.backlog import access
from services.actions.backlog import impact as arithmetic
from services.actions.backlog.config import BacklogSettings
from services.actions.backlog.impact import CauseCount, Impact, ImpactSource, TierWeight, Window
from services.actions.backlog.models import OPEN_STATUSES, ItemStatus
from services.actions.backlog.repository import BacklogReads, BacklogRepository
from services.actions.backlog.schemas import (
    BacklogFilter,
    BacklogItemRead,
    BacklogItemUpdate,
    BacklogPage,
    CandidateItemCreate,
    ImpactRead,
    QuickWinFilter,
    QuickWins,
    RootCauseFilter,
    RootCauseLine,
    RootCauseReport,
    SpikeRead,
    TierPartRead,
)
from shared.auth import Principal
from shared.cursor import CursorSigner, cursor_time, invalid_cursor
from shared.journey import JourneyMap
from shared.problems import field_error, invalid

CLOSED = (ItemStatus.DONE, ItemStatus.DISMISSED)


@dataclass(frozen=True)
class Item:
    row: Row[Any]
    impact: Impact
    spike: Row[Any] | None

    @property
    def id(self) -> str:
        return str(self.row.id)

    @property
    def effort(self) -> int | None:
        return None if self.row.effort is None else int(self.row.effort)


async def list_items(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    filters: BacklogFilter,
    principal: Principal,
    cursors: CursorSigner,
) -> BacklogPage:
    """A page of items in committee order (see ``impact.ordered``), of the key's
    department only if it is bound to one.

    :raises ProblemError: 400 for a cursor not returned by this endpoint; 403 for another
        department's items asked by a department-bound key.
    """
    department = access.within_department(filters.department, principal)
    if filters.cursor:
        as_of, offset = _decode_cursor(cursors, filters.cursor)
    else:
        as_of, offset = filters.as_of or datetime.now(UTC), 0
    reads = BacklogReads(session)
    statuses = None if filters.status is None else {filters.status.value}
    rows = await reads.items(statuses, filters.touchpoint, department)
    items = await _evaluated(reads, settings, journey_map, rows, as_of)
    return _page(cursors, items, as_of, offset, filters.limit)


def _page(
    cursors: CursorSigner, items: list[Item], as_of: datetime, offset: int, limit: int
) -> BacklogPage:
    ranked = arithmetic.ordered(items)
    more = offset + limit < len(ranked)
    return BacklogPage(
        as_of=as_of,
        items=[_read(item) for item in ranked[offset : offset + limit]],
        next_cursor=_encode_cursor(cursors, as_of, offset + limit) if more else None,
    )


async def quick_wins(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    filters: QuickWinFilter,
    principal: Principal,
) -> QuickWins:
    """Open items of low effort and high impact, ranked among the open items that match
    the filters (and the key's department).

    :raises ProblemError: 403 for another department's asked by a department-bound key.
    """
    department = access.within_department(filters.department, principal)
    as_of = filters.as_of or datetime.now(UTC)
    reads = BacklogReads(session)
    rows = await reads.open_items(filters.touchpoint, department)
    items = await _evaluated(reads, settings, journey_map, rows, as_of)
    return _wins(items, as_of, settings)


def _wins(open_items: list[Item], as_of: datetime, settings: BacklogSettings) -> QuickWins:
    share, effort = settings.backlog_quick_win_top_share, settings.backlog_quick_win_max_effort
    wins = arithmetic.quick_wins(open_items, effort, share)
    return QuickWins(
        as_of=as_of,
        max_effort=effort,
        top_share=share,
        open_items=len(open_items),
        impact_cutoff=arithmetic.impact_cutoff(open_items, share),
        items=[_read(item) for item in wins],
    )


async def page_and_quick_wins(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    filters: tuple[BacklogFilter, QuickWinFilter],
    principal: Principal,
    cursors: CursorSigner,
) -> tuple[BacklogPage, QuickWins]:
    """What ``list_items`` and ``quick_wins`` answer for these filters. When both read
    the same items at the same instant (a first page of every status), the items are read
    and their impacts computed once, the quick wins taken among the open ones.

    :raises ProblemError: as ``list_items`` and ``quick_wins``.
    """
    page, wins = filters
    same = (page.touchpoint, page.department, page.as_of) == (
        wins.touchpoint,
        wins.department,
        wins.as_of,
    )
    if page.cursor or page.status is not None or not same:
        return (
            await list_items(session, settings, journey_map, page, principal, cursors),
            await quick_wins(session, settings, journey_map, wins, principal),
        )
    department = access.within_department(page.department, principal)
    as_of = page.as_of or datetime.now(UTC)
    reads = BacklogReads(session)
    rows = await reads.items(None, page.touchpoint, department)
    items = await _evaluated(reads, settings, journey_map, rows, as_of)
    still_open = [item for item in items if ItemStatus(item.row.status) in OPEN_STATUSES]
    return _page(cursors, items, as_of, 0, page.limit), _wins(still_open, as_of, settings)


async def get_item(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    item_id: str,
    as_of: datetime | None,
    principal: Principal,
) -> BacklogItemRead:
    """:raises ProblemError: 404 for an unknown item, or another department's."""
    reads = BacklogReads(session)
    row = access.visible(await reads.item(item_id), principal, item_id)
    (item,) = await _evaluated(reads, settings, journey_map, [row], as_of or datetime.now(UTC))
    return _read(item)


async def update_item(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    item_id: str,
    change: BacklogItemUpdate,
    principal: Principal,
) -> BacklogItemRead:
    """Apply the committee's change; leaving done or dismissed clears ``closed_at``.

    :raises ProblemError: 404 for an unknown item, or another department's; 403 when a
        department-bound key hands the item to another department; 422 for a department
        the map lacks.
    """
    access.may_assign(change.model_fields_set, change.department, principal)
    _known_department(change.department, journey_map)
    reads = BacklogReads(session)
    row = access.visible(await reads.item(item_id, for_update=True), principal, item_id)
    values: dict[str, Any] = {
        **change.model_dump(include=change.model_fields_set),
        "updated_by": principal.name,
    }
    if change.status is not None:
        was_closed = ItemStatus(row.status) in CLOSED
        if change.status in CLOSED and not was_closed:
            values["closed_at"] = func.now()
        elif change.status in OPEN_STATUSES:
            values["closed_at"] = None
    row = await reads.update_item(item_id, values)
    (item,) = await _evaluated(reads, settings, journey_map, [row], datetime.now(UTC))
    return _read(item)


async def take_up_candidate(
    session: AsyncSession,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    body: CandidateItemCreate,
    principal: Principal,
) -> tuple[BacklogItemRead, bool]:
    """The item of an emerging irritant (touchpoint, term), created as proposed unless it
    exists; and whether this call created it. Asked again, the item is returned as it is
    (its department, notes and status unchanged). Its department: as given, else the
    touchpoint's owner, else the key's.

    :raises ProblemError: 422 for a department the map lacks; 403 when a department-bound
        key makes an item for another department (or for none); 404 when the item exists
        in another department than the key's.
    """
    _known_department(body.department, journey_map)
    found = journey_map.touchpoint(body.touchpoint) if journey_map else None
    department = body.department or (found.owner if found else None) or principal.department
    access.may_assign({"department"}, department, principal)
    row, created = await BacklogRepository(session).create_item(
        body.touchpoint, None, department, term=body.term, notes=body.notes, by=principal.name
    )
    access.visible(row, principal, row.id)
    reads = BacklogReads(session)
    (item,) = await _evaluated(reads, settings, journey_map, [row], datetime.now(UTC))
    return _read(item), created


def _known_department(department: str | None, journey_map: JourneyMap | None) -> None:
    """:raises ProblemError: 422 for a department the map lacks."""
    if department and journey_map and not journey_map.department(department):
        message = f"unknown department {department!r} in the journey map"
        params = {"id": department}
        raise invalid([field_error(("department",), message, "unknown_department", params)])


async def root_causes(
    session: AsyncSession,
    journey_map: JourneyMap | None,
    filters: RootCauseFilter,
    principal: Principal,
) -> RootCauseReport:
    """The Pareto of root causes over the tasks opened in [from, to), of the key's
    department only if it is bound to one.

    :raises ProblemError: 403 for another department's asked by a department-bound key.
    """
    filters = filters.model_copy(
        update={"department": access.within_department(filters.department, principal)}
    )
    rows = await BacklogReads(session).cause_counts(
        filters.from_, filters.to, filters.touchpoint, filters.department
    )
    counts = [CauseCount(r.root_cause, r.value_tier, r.tasks, r.occurrences) for r in rows]
    lines = arithmetic.pareto(counts, _weights(journey_map))
    names = {cause.id: cause.name for cause in journey_map.root_causes} if journey_map else {}
    return RootCauseReport(
        from_=filters.from_,
        to=filters.to,
        touchpoint=filters.touchpoint,
        department=filters.department,
        tasks=sum(line.tasks for line in lines),
        impact=round(sum(line.impact for line in lines), arithmetic.PRECISION),
        root_causes=[
            RootCauseLine(
                root_cause=line.root_cause,
                name=_cause_name(line.root_cause, names),
                tasks=line.tasks,
                occurrences=line.occurrences,
                impact=line.impact,
                share=line.share,
                cumulative_share=line.cumulative_share,
            )
            for line in lines
        ],
    )


async def _evaluated(
    reads: BacklogReads,
    settings: BacklogSettings,
    journey_map: JourneyMap | None,
    rows: list[Row[Any]],
    as_of: datetime,
) -> list[Item]:
    """Each item with its impact over the window ending ``as_of``, and its latest spike."""
    if not rows:
        return []
    window = Window.ending(as_of, settings.backlog_window_days)
    weight = _weights(journey_map)
    touchpoints = {row.touchpoint for row in rows}
    tasks: dict[tuple[str, str | None], list[Row[Any]]] = defaultdict(list)
    for count in await reads.task_counts(touchpoints, window.start, window.end):
        tasks[(count.touchpoint, count.root_cause)].append(count)
    negatives: dict[str, list[tuple[str | None, int]]] = defaultdict(list)
    for day in await reads.negative_counts(touchpoints, window.first_day, window.last_day):
        negatives[day.touchpoint].append((day.value_tier or None, int(day.negatives)))
    terms: dict[tuple[str, str], list[tuple[str | None, int]]] = defaultdict(list)
    if any(row.term for row in rows):
        for term in await reads.term_counts(touchpoints, window.first_day, window.last_day):
            terms[(term.touchpoint, term.term)].append((term.value_tier or None, int(term.n)))
    spikes = {spike.item_id: spike for spike in await reads.latest_spikes([r.id for r in rows])}
    items = []
    for row in rows:
        if row.term is not None:
            counted = arithmetic.impact_of(
                ImpactSource.TERM_MOMENTS, window, terms[(row.touchpoint, row.term)], weight
            )
        elif row.root_cause is None:
            counted = arithmetic.impact_of(
                ImpactSource.NEGATIVE_MOMENTS, window, negatives[row.touchpoint], weight
            )
        else:
            found = tasks[(row.touchpoint, row.root_cause)]
            counted = arithmetic.impact_of(
                ImpactSource.TASK_OCCURRENCES,
                window,
                [(t.value_tier, int(t.occurrences)) for t in found],
                weight,
                tasks=sum(int(t.tasks) for t in found),
            )
        items.append(Item(row, counted, spikes.get(row.id)))
    return items


def _weights(journey_map: JourneyMap | None) -> TierWeight:
    return journey_map.tier_weight if journey_map is not None else (lambda _: 1.0)


def _cause_name(root_cause: str | None, names: dict[str, str]) -> str:
    return "unassigned" if root_cause is None else names.get(root_cause, root_cause)


def _read(item: Item) -> BacklogItemRead:
    row, counted = item.row, item.impact
    return BacklogItemRead(
        id=row.id,
        touchpoint=row.touchpoint,
        root_cause=row.root_cause,
        term=row.term,
        origin=_origin(row),
        department=row.department,
        status=row.status,
        effort=row.effort,
        notes=row.notes,
        impact=ImpactRead(
            value=counted.value,
            source=counted.source,
            negatives=counted.negatives,
            tasks=counted.tasks,
            window_start=counted.window.start,
            window_end=counted.window.end,
            by_value_tier=[
                TierPartRead(
                    value_tier=p.value_tier,
                    negatives=p.negatives,
                    weight=p.weight,
                    value=round(p.value, arithmetic.PRECISION),
                )
                for p in counted.parts
            ],
        ),
        score=arithmetic.score(item),
        last_spike=SpikeRead.model_validate(item.spike) if item.spike is not None else None,
        spikes=item.spike.spikes if item.spike is not None else 0,
        created_at=row.created_at,
        updated_at=row.updated_at,
        updated_by=row.updated_by,
        closed_at=row.closed_at,
    )


def _origin(row: Row[Any]) -> str:
    if row.term is not None:
        return "emerging_irritant"
    return "systemic_spike" if row.root_cause is None else "recurring_root_cause"


# Far more items than a backlog holds, and within PostgreSQL's bigint OFFSET.
MAX_OFFSET = 10**9


# The backlog's, whether /v1/backlog or the committee report gave it: the same pages.
LISTING = ("backlog",)


def _encode_cursor(cursors: CursorSigner, as_of: datetime, offset: int) -> str:
    return cursors.sign(LISTING, {"as_of": as_of.isoformat(), "offset": offset})


def _decode_cursor(cursors: CursorSigner, cursor: str) -> tuple[datetime, int]:
    position = cursors.read(LISTING, cursor)  # signed: what follows only guards against a bug
    try:
        as_of, offset = cursor_time(position["as_of"]), position["offset"]
        if not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET:
            raise ValueError("not an offset this API makes")
        return as_of, offset
    except (ValueError, KeyError) as exc:
        raise invalid_cursor() from exc
