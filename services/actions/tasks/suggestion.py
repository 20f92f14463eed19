"""The root cause a task's verbatims suggest; the referent confirms or changes it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from shared.events.schemas import Verbatim


def suggested_root_cause(verbatims: Iterable[Verbatim], known: Collection[str]) -> str | None:
    """The root cause of the map (``known``) named by the most verbatims; a tie goes to
    the one named in the most negative words, then to the first id. None when no verbatim
    names one."""
    named: Counter[str] = Counter()
    sentiment: dict[str, float] = {}
    for verbatim in verbatims:
        for topic in {t.id: t for t in verbatim.topics if t.kind == "root_cause"}.values():
            if topic.id in known:
                named[topic.id] += 1
                sentiment[topic.id] = sentiment.get(topic.id, 0.0) + topic.sentiment
    if not named:
        return None
    return min(named, key=lambda cause: (-named[cause], sentiment[cause], cause))


def verdict(suggested: str | None, chosen: str | None) -> dict[str, Any]:
    """What the audit trail records of a root cause set by a referent: the suggestion,
    and whether it was confirmed or changed."""
    if suggested is None or chosen is None:
        return {}
    return {"suggested": suggested, "verdict": "confirmed" if chosen == suggested else "changed"}
