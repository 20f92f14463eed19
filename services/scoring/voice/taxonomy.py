"""The committee's taxonomy as the analyser reads it: the journey map's root causes and
touchpoints with their keywords."""

from __future__ import annotations

from collections.abc import Sequence

from services.scoring.voice.topics import Taxonomy, Topic
from shared.journey import JourneyMap, Keywords, RootCause


def taxonomy_of(
    journey_map: JourneyMap | None, root_causes: Sequence[RootCause] | None = None
) -> Taxonomy:
    """The map's root causes (or ``root_causes`` instead, to try a draft) and touchpoints;
    entries without keywords are left out."""
    causes = (
        root_causes if root_causes is not None else (journey_map.root_causes if journey_map else [])
    )
    touchpoints = journey_map.touchpoints if journey_map else []
    topics = [
        *(Topic(c.id, "root_cause", _by_language(c.keywords)) for c in causes if c.keywords),
        *(Topic(t.id, "touchpoint", _by_language(t.keywords)) for t in touchpoints if t.keywords),
    ]
    return Taxonomy(topics)


def _by_language(keywords: Keywords) -> dict[str, list[str]]:
    return {"fr": keywords.fr, "en": keywords.en}


class PublishedTaxonomy:
    """The taxonomy of the newest journey map, compiled once per map (about 10 ms for the
    example map) rather than once per request."""

    def __init__(self) -> None:
        self._map: JourneyMap | None = None
        self._taxonomy = Taxonomy(())

    def of(self, journey_map: JourneyMap | None) -> Taxonomy:
        if journey_map is not self._map:
            self._map, self._taxonomy = journey_map, taxonomy_of(journey_map)
        return self._taxonomy
