"""What a key bound to a department reads in scoring: its department's touchpoints.

The same isolation as tasks and alerts. Such a key (a referent's) reads the experience and
timeline of a customer who has lived one of the touchpoints its department owns, or
answered the relationship survey when the department owns that (another customer is
answered 404, as an unknown one: whether they exist is not told); the reports keep the rows
of its touchpoints; naming another department's touchpoint is answered 403, and so is a
report whose figures mix every department's touchpoints. Ownership is the journey map's
as scoring holds it now. Keys bound to no department read everything.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel

from services.scoring.dependencies import Reader
from services.scoring.stats.repository import RELATIONSHIP
from shared.journey import JourneyMap
from shared.problems import ProblemError
from shared.reach import Ownership

Report = TypeVar("Report", bound=BaseModel)

# Whether the customer has a signal at one of the touchpoints, or (with $3) one tied to no
# touchpoint: the relationship survey's. One probe of the customer's index.
_LIVED = """
SELECT EXISTS (
    SELECT 1 FROM scoring.signal
    WHERE customer_id = $1 AND (touchpoint = ANY($2::text[]) OR ($3 AND touchpoint IS NULL))
)
"""


class Reach(Ownership):
    """The touchpoints a key reads (``shared.reach``), the relationship survey's counters'
    key among them when the department owns it."""

    @classmethod
    def of(cls, department: str | None, journey_map: JourneyMap | None) -> Reach:
        if department is None:
            return cls(None)
        owned = Ownership.of(department, journey_map)
        # the counters' key of the relationship survey among the touchpoints
        relationship = {RELATIONSHIP} if owned.relationship else set()
        return cls(department, owned.touchpoints | relationship, owned.relationship)

    def touchpoint(self, touchpoint: str | None) -> None:
        """:raises ProblemError: 403 when ``touchpoint`` is another department's."""
        mine = self.department is None or touchpoint is None or touchpoint in self.touchpoints
        if not mine:
            raise self.forbidden(f"touchpoint {touchpoint!r} is not one of them")

    def whole(self, what: str) -> None:
        """:raises ProblemError: 403 for a department's key: ``what`` mixes every
        department's touchpoints."""
        if self.department is not None:
            raise self.forbidden(f"{what} mixes every department's")

    async def customer(self, connection: Any, customer_id: str) -> None:
        """``connection``: an asyncpg connection.

        :raises ProblemError: 404, as for an unknown customer, when a department's key asks
            for a customer who has lived none of its touchpoints.
        """
        if self.department is None:
            return
        owned = sorted(self.touchpoints - {RELATIONSHIP})
        if not await connection.fetchval(_LIVED, customer_id, owned, self.relationship):
            raise ProblemError(404, "Not found", f"no experience recorded for {customer_id!r}")

    def keep(self, report: Report) -> Report:
        """``report`` with only the rows of this key's touchpoints, in its parts too."""
        if self.department is None:
            return report
        return _kept(report, self.touchpoints)


def _kept(model: Report, owned: frozenset[str]) -> Report:
    """Drop, at any depth, the listed rows whose ``touchpoint`` is not in ``owned``."""
    update: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            update[name] = _kept(value, owned)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            update[name] = [
                _kept(row, owned)
                for row in value
                if not hasattr(row, "touchpoint") or row.touchpoint in owned
            ]
    return model.model_copy(update=update)


async def reach(principal: Reader, request: Request) -> Reach:
    return Reach.of(principal.department, request.app.state.journey.current)


Scope = Annotated[Reach, Depends(reach)]
