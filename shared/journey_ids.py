"""The journey map's rules on ids: an id given twice in its list, a reference to a
touchpoint, department or persona the map does not have, a moment of truth without an
owner.

They read a :class:`MapIds`, which :func:`map_ids` makes of a valid map's model or of a
document as sent, leaving out the values of a document that are not valid. pydantic runs
a model's own rules only once every field is valid: :func:`refused_map_errors` checks
these on a refused document's valid values too, so that its every error is named at once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, InitErrorDetails

from shared.events.values import Slug
from shared.problems import coded_error

Location = tuple[str | int, ...]
Kind = Literal["touchpoint", "department", "persona"]
KINDS: tuple[Kind, ...] = ("touchpoint", "department", "persona")  # each listed as its plural
# the map's lists whose items have an id, in the order their duplicates are named
LISTS = ("journeys", "touchpoints", "departments", "personas", "value_tiers", "root_causes")
T = TypeVar("T")
Reader = Callable[[Any], T | None]


class Reference(NamedTuple):
    """The id of a touchpoint, department or persona (``kind``), named at ``location``."""

    location: Location
    kind: Kind
    id: str


@dataclass(frozen=True)
class MapIds:
    """What the rules on ids read of a map.

    ``lists`` holds each list's ids by position, ``stages`` each journey's stage ids;
    ``None`` stands for an id that is not a valid one, or a list that is not one.
    ``references`` are in the map's order, and ``unowned`` are the positions of the moments
    of truth that name no owner; a value that is not valid is in neither.
    """

    lists: Mapping[str, list[str | None] | None]
    stages: list[list[str | None]]
    references: list[Reference]
    unowned: list[int]


def id_errors(ids: MapIds) -> list[InitErrorDetails]:
    """Every rule on ids the map breaks.

    A reference is checked only against a list whose ids are all valid: one that is not
    may be the id the reference names, as it was meant to be written.
    """
    return [*_duplicate_ids(ids), *_unknown_references(ids), *_owners_required(ids)]


def refused_map_errors(document: Any, refused: ValidationError) -> list[ErrorDetails]:
    """Every error of a map ``document`` that the model refused: ``refused``'s, and where
    a field failed (the map's own rules did not run) the rules on ids its valid values break.

    The rules find the same errors in the document as in the model its valid fields make:
    those ``refused`` names already are not repeated.
    """
    found = refused.errors()
    named = {(tuple(error["loc"]), error["type"]) for error in found}
    broken = ValidationError.from_exception_data("JourneyMap", id_errors(map_ids(document)))
    return found + [e for e in broken.errors() if (tuple(e["loc"]), e["type"]) not in named]


def map_error(location: Location, message: str, code: str, **params: Any) -> InitErrorDetails:
    """A map-wide rule broken at ``location``."""
    return {"type": coded_error(code, message, **params), "loc": location, "input": None}


def _duplicate_ids(ids: MapIds) -> list[InitErrorDetails]:
    errors: list[InitErrorDetails] = []
    for name, listed in ids.lists.items():
        errors += _duplicates(listed or [], (name,), "duplicate id", "duplicate_id")
    for j, stages in enumerate(ids.stages):
        location = ("journeys", j, "stages")
        errors += _duplicates(stages, location, "duplicate stage", "duplicate_stage")
    return errors


def _duplicates(
    listed: list[str | None], location: Location, message: str, code: str
) -> list[InitErrorDetails]:
    if len(set(listed)) == len(listed):
        return []  # the rule of almost every list, known sooner than counted
    counts = Counter(listed)
    return [
        map_error((*location, i, "id"), f"{message} {id_!r}", code, id=id_)
        for i, id_ in enumerate(listed)
        if id_ is not None and counts[id_] > 1
    ]


def _unknown_references(ids: MapIds) -> list[InitErrorDetails]:
    known = {kind: _all_valid(ids.lists[f"{kind}s"]) for kind in KINDS}
    return [
        map_error(ref.location, f"unknown {ref.kind} {ref.id!r}", f"unknown_{ref.kind}", id=ref.id)
        for ref in ids.references
        if (listed := known[ref.kind]) is not None and ref.id not in listed
    ]


def _all_valid(listed: list[str | None] | None) -> set[str] | None:
    """The ids of a list, or ``None`` when one of them is not valid."""
    if listed is None or None in listed:
        return None
    return {id_ for id_ in listed if id_ is not None}


def _owners_required(ids: MapIds) -> list[InitErrorDetails]:
    message = "a moment of truth needs an owning department"
    return [map_error(("touchpoints", i, "owner"), message, "owner_required") for i in ids.unowned]


def map_ids(source: Any, *, checked: bool = False) -> MapIds:
    """The ids and references of a map document as sent, each value read as the model
    reads it; or, ``checked``, of a map model, whose values are valid already and read as
    they are (its fields read like a document's members)."""
    slug, truth = (_as_is, _as_is) if checked else (_slug, _truth)
    document = _members(source)
    journeys = [
        _items(_members(journey).get("stages")) for journey in _items(document.get("journeys"))
    ]
    owners, unowned = _owners(_items(document.get("touchpoints")), slug, truth)
    return MapIds(
        lists={name: _ids(document.get(name, []), slug) for name in LISTS},
        stages=[[slug(_members(stage).get("id")) for stage in stages] for stages in journeys],
        references=[
            *_stage_references(journeys, slug),
            *owners,
            *_quota_references(_members(document.get("contact_policy")), slug),
            *_relationship_references(_members(document.get("relationship")), slug),
        ],
        unowned=unowned,
    )


def _stage_references(journeys: list[Sequence[Any]], slug: Reader[str]) -> list[Reference]:
    return [
        Reference(("journeys", j, "stages", s, "touchpoints", k), "touchpoint", touchpoint)
        for j, stages in enumerate(journeys)
        for s, stage in enumerate(stages)
        for k, touchpoint in _valid_items(_members(stage).get("touchpoints"), slug)
    ]


def _quota_references(policy: Mapping[str, Any], slug: Reader[str]) -> list[Reference]:
    personas = [_members(quota).get("persona") for quota in _items(policy.get("persona_quotas"))]
    return [
        Reference(("contact_policy", "persona_quotas", i, "persona"), "persona", persona)
        for i, persona in _valid_items(personas, slug)
    ]


def _relationship_references(program: Mapping[str, Any], slug: Reader[str]) -> list[Reference]:
    owner = slug(program.get("owner"))
    owners = [] if owner is None else [Reference(("relationship", "owner"), "department", owner)]
    return owners + [
        Reference(("relationship", "personas", i), "persona", persona)
        for i, persona in _valid_items(program.get("personas"), slug)
    ]


def _owners(
    touchpoints: Sequence[Any], slug: Reader[str], truth: Reader[bool]
) -> tuple[list[Reference], list[int]]:
    """The touchpoints' owners, and the positions of the moments of truth without one."""
    owners: list[Reference] = []
    unowned: list[int] = []
    for i, touchpoint in enumerate(map(_members, touchpoints)):
        owner = touchpoint.get("owner")
        if owner is None and truth(touchpoint.get("moment_of_truth")) is True:
            unowned.append(i)
        elif (department := slug(owner)) is not None:
            owners.append(Reference(("touchpoints", i, "owner"), "department", department))
    return owners, unowned


def _valid(adapter: TypeAdapter[T]) -> Reader[T]:
    """A value as the model reads it; ``None`` for one it refuses."""

    def read(value: Any) -> T | None:
        try:
            return adapter.validate_python(value)
        except ValidationError:
            return None

    return read


_slug = _valid(TypeAdapter[str](Slug))
_truth = _valid(TypeAdapter(bool))


def _as_is(value: Any) -> Any:
    return value


def _members(part: Any) -> Mapping[str, Any]:
    """A document's mapping, a model's fields by name; nothing of anything else."""
    if isinstance(part, BaseModel):
        return vars(part)
    return part if isinstance(part, Mapping) else {}


def _items(value: Any) -> Sequence[Any]:
    """A list's items; none of anything else (the list is missing or not one)."""
    return value if isinstance(value, list | tuple) else ()


def _ids(value: Any, slug: Reader[str]) -> list[str | None] | None:
    if not isinstance(value, list | tuple):
        return None
    return [slug(_members(item).get("id")) for item in value]


def _valid_items(value: Any, slug: Reader[str]) -> list[tuple[int, str]]:
    """The positions and values of a list's valid ids."""
    return [(k, id_) for k, item in enumerate(_items(value)) if (id_ := slug(item)) is not None]
