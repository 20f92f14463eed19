"""The touchpoints a key reads: a key bound to a department, its department's only.

Ownership is the journey map's: a touchpoint's ``owner``, and the relationship survey's
(a decision or signal tied to no touchpoint). Keys bound to no department read everything.
Each service applies it to what it serves (scoring's reports and customers, actions' ledger,
funnel and simulations); naming another department's touchpoint is answered 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.journey import RELATIONSHIP, JourneyMap
from shared.problems import ProblemError


@dataclass(frozen=True)
class Ownership:
    """Every touchpoint (``department`` None), or the department's."""

    department: str | None
    touchpoints: frozenset[str] = frozenset()
    relationship: bool = False  # the department owns the relationship survey

    @classmethod
    def of(cls, department: str | None, journey_map: JourneyMap | None) -> Ownership:
        if department is None:
            return cls(None)
        touchpoints = journey_map.touchpoints if journey_map else []
        owned = frozenset(t.id for t in touchpoints if t.owner == department)
        program = journey_map.relationship if journey_map else None
        return cls(department, owned, program is not None and program.owner == department)

    def owns(self, touchpoint: str | None) -> bool:
        """Whether the key reads ``touchpoint`` (None or ``relationship``: the relationship
        survey's)."""
        if self.department is None:
            return True
        if touchpoint is None or touchpoint == RELATIONSHIP:
            return self.relationship
        return touchpoint in self.touchpoints

    def kept(self) -> list[str] | None:
        """The touchpoint ids a query keeps (``relationship`` among them when the department
        owns it); None for every one."""
        if self.department is None:
            return None
        return sorted(self.touchpoints | ({RELATIONSHIP} if self.relationship else set()))

    def require(self, touchpoint: str) -> None:
        """:raises ProblemError: 403 when the key does not read ``touchpoint``."""
        if not self.owns(touchpoint):
            raise self.forbidden(f"touchpoint {touchpoint!r} is not one of them")

    def forbidden(self, why: str) -> ProblemError:
        detail = f"this key reads the touchpoints of {self.department} only: {why}"
        return ProblemError(403, "Forbidden", detail)
