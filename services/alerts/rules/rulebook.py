"""What the rules read: their configuration per touchpoint, and routing and weights.

A rule's effective configuration at a touchpoint layers, each over the one before: the
service settings, the stored document's ``defaults``, the journey map (the touchpoint's
``targets.negative_rate`` is the spike target), the document's entry for the touchpoint.
Routing and weights come from the journey map alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.alerts.rules.config import MINUTE, RulesSettings
from shared.events.values import Slug
from shared.journey import JourneyMap
from shared.problems import coded_error

MAX_TOUCHPOINT_ENTRIES = 1000
MAX_WINDOW = 30 * 86400


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NegativeMomentOfTruthRule(_Rule):
    """A moment at a moment-of-truth touchpoint that is negative, or has a negative answer."""

    enabled: bool = True
    valence_at_most: float = Field(default=-0.3, ge=-1, le=0)
    nps_at_most: int | None = Field(
        default=6, ge=0, le=10, description="a detractor; null: an NPS alone never raises"
    )
    csat_at_most: int | None = Field(default=2, ge=1, le=5)
    ces_at_most: int | None = Field(default=3, ge=1, le=7)
    failure: bool = Field(default=True, description="a failed interaction raises")


class MomentOfPainRule(_Rule):
    """Effort: a wait over the touchpoint's threshold, a repeat contact, many transfers."""

    enabled: bool = True
    wait_over_threshold: bool = True
    repeat_contact: bool = True
    transfers_at_least: int | None = Field(default=3, ge=1)


class ExperienceDropRule(_Rule):
    """The customer's LXI falls by ``points`` within ``window_days``, or below ``floor``."""

    enabled: bool = True
    points: float = Field(default=15, gt=0, le=100)
    window_days: float = Field(default=7, gt=0, le=90)
    floor: float | None = Field(default=40, ge=0, le=100, description="null: no floor")


def _check_windows(value: tuple[int, ...]) -> tuple[int, ...]:
    if any(w < MINUTE or w % MINUTE or w > MAX_WINDOW for w in value):
        message = f"windows are whole minutes, from {MINUTE} to {MAX_WINDOW} seconds"
        raise coded_error("window_out_of_range", message, ge=MINUTE, le=MAX_WINDOW)
    if len(set(value)) != len(value):
        raise coded_error("repeated_window", "windows must differ")
    return value


Windows = Annotated[
    tuple[int, ...], Field(min_length=1, max_length=4), AfterValidator(_check_windows)
]


class SystemicSpikeRule(_Rule):
    """A touchpoint's negative rate over any window above its target, with enough volume."""

    enabled: bool = True
    windows: Windows = Field(default=(3600, 86400), description="seconds, whole minutes")
    min_volume: int = Field(default=20, ge=1, le=1_000_000)
    target_negative_rate: float = Field(default=0.2, ge=0, le=1)


class EmergingIrritantRule(_Rule):
    """A term no taxonomy entry covers, in at least ``min_count`` of a touchpoint's
    verbatims of the last ``recent_days`` UTC days, rising against the ``baseline_days``
    before with a log-likelihood G² of at least ``min_g2``."""

    enabled: bool = True
    recent_days: int = Field(default=7, ge=1, le=365)
    baseline_days: int = Field(default=90, ge=1, le=3650)
    min_count: int = Field(default=5, ge=1, le=1_000_000)
    min_g2: float = Field(default=10.83, ge=0, description="10.83: p < 0.001 (1 df)")


class RuleSet(_Rule):
    negative_moment_of_truth: NegativeMomentOfTruthRule = NegativeMomentOfTruthRule()
    moment_of_pain: MomentOfPainRule = MomentOfPainRule()
    experience_drop: ExperienceDropRule = ExperienceDropRule()
    systemic_spike: SystemicSpikeRule = SystemicSpikeRule()
    emerging_irritant: EmergingIrritantRule = EmergingIrritantRule()


class RulesDocument(_Rule):
    """Overrides of the settings; a field left out keeps the value it inherits."""

    defaults: RuleSet = RuleSet()
    touchpoints: dict[Slug, RuleSet] = Field(
        default_factory=dict, max_length=MAX_TOUCHPOINT_ENTRIES
    )

    def stored(self) -> dict[str, Any]:
        """The document as given: only the fields it sets."""
        return self.model_dump(mode="json", exclude_unset=True)


def settings_rules(settings: RulesSettings) -> RuleSet:
    return RuleSet(
        negative_moment_of_truth=NegativeMomentOfTruthRule(
            valence_at_most=settings.negative_threshold
        ),
        moment_of_pain=MomentOfPainRule(transfers_at_least=settings.pain_transfers),
        experience_drop=ExperienceDropRule(
            points=settings.drop_points,
            window_days=settings.drop_window_days,
            floor=settings.lxi_floor,
        ),
        systemic_spike=SystemicSpikeRule(
            windows=settings.spike_windows,
            min_volume=settings.spike_min_volume,
            target_negative_rate=settings.spike_target_negative_rate,
        ),
        emerging_irritant=EmergingIrritantRule(
            recent_days=settings.emerging_recent_days,
            baseline_days=settings.emerging_baseline_days,
            min_count=settings.emerging_min_count,
            min_g2=settings.emerging_min_g2,
        ),
    )


def layered(base: RuleSet, override: Mapping[str, Mapping[str, Any]]) -> RuleSet:
    data = base.model_dump()
    for rule, fields in override.items():
        data[rule] = {**data[rule], **fields}
    return RuleSet.model_validate(data)


@dataclass
class RuleBook:
    """The effective rules and the journey map's routing, for one batch or one request."""

    defaults: RuleSet
    overrides: Mapping[str, Mapping[str, Any]]
    journey: JourneyMap | None
    _cache: dict[str | None, RuleSet] = field(default_factory=dict)

    @classmethod
    def build(
        cls, settings: RulesSettings, document: Mapping[str, Any], journey: JourneyMap | None
    ) -> RuleBook:
        defaults = layered(settings_rules(settings), document.get("defaults", {}))
        return cls(defaults, document.get("touchpoints", {}), journey)

    def rules(self, touchpoint: str | None) -> RuleSet:
        if touchpoint not in self._cache:
            self._cache[touchpoint] = self._effective(touchpoint)
        return self._cache[touchpoint]

    def _effective(self, touchpoint: str | None) -> RuleSet:
        if touchpoint is None:
            return self.defaults
        rules = self.defaults
        found = self.journey.touchpoint(touchpoint) if self.journey else None
        if found is not None and found.targets.negative_rate is not None:
            target = {"target_negative_rate": found.targets.negative_rate}
            rules = layered(rules, {"systemic_spike": target})
        return layered(rules, self.overrides.get(touchpoint, {}))

    def touchpoints(self) -> list[str]:
        """The map's touchpoints, then those only the document names."""
        known = [t.id for t in self.journey.touchpoints] if self.journey else []
        return [*known, *sorted(set(self.overrides) - set(known))]

    def route(self, touchpoint: str | None) -> tuple[str | None, str | None]:
        """The department that owns ``touchpoint`` and its first referent."""
        found = self.journey.touchpoint(touchpoint) if self.journey and touchpoint else None
        if found is None or found.owner is None:
            return None, None
        assert self.journey is not None
        department = next(d for d in self.journey.departments if d.id == found.owner)
        return department.id, department.referents[0].id if department.referents else None

    def relationship_owner(self) -> str | None:
        """The department that owns the relationship survey's detractors, if the map has one."""
        program = self.journey.relationship if self.journey else None
        return program.owner if program else None

    def relationship_route(self) -> tuple[str | None, str | None]:
        """The relationship owner and its first referent."""
        owner = self.relationship_owner()
        department = self.journey.department(owner) if self.journey and owner else None
        if department is None:
            return None, None
        return department.id, department.referents[0].id if department.referents else None

    def touchpoint_weight(self, touchpoint: str | None) -> float:
        found = self.journey.touchpoint(touchpoint) if self.journey and touchpoint else None
        return found.weight if found else 1.0

    def tier_weight(self, value_tier: str | None) -> float:
        tiers = self.journey.value_tiers if self.journey else []
        return next((t.weight for t in tiers if t.id == value_tier), 1.0)

    def priority(self, severity: int, touchpoint: str | None, value_tier: str | None) -> float:
        weight = self.touchpoint_weight(touchpoint) * self.tier_weight(value_tier)
        return round(severity * weight, 2)

    def longest_drop_days(self) -> float:
        return max(self.rules(tp).experience_drop.window_days for tp in [None, *self.overrides])

    def longest_irritant_days(self) -> int:
        """Recent and baseline days together, the longest of any touchpoint's rule."""
        sets = [self.rules(tp).emerging_irritant for tp in [None, *self.overrides]]
        return max(rule.recent_days + rule.baseline_days for rule in sets)

    def longest_spike_seconds(self) -> int:
        sets = [self.rules(tp) for tp in [None, *self.overrides]]
        return max(w for rules in sets for w in rules.systemic_spike.windows)
