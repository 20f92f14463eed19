from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.journey import Targets

Granularity = Literal["day", "week", "month", "total"]
GroupBy = Literal["none", "channel", "persona"]
JourneyGroupBy = Literal["none", "channel", "persona", "touchpoint"]


@dataclass(frozen=True)
class DateSpan:
    """Whole UTC days, both ends included."""

    start: date
    end: date

    def periods(self, granularity: Granularity) -> int:
        """How many calendar periods of ``granularity`` the span touches."""
        if granularity == "day":
            return (self.end - self.start).days + 1
        if granularity == "week":
            first, last = (d - timedelta(days=d.weekday()) for d in (self.start, self.end))
            return (last - first).days // 7 + 1
        if granularity == "month":
            return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        return 1


@dataclass(frozen=True)
class StatsQuery:
    span: DateSpan
    granularity: Granularity
    group_by: str
    channel: str | None
    persona: str | None


def _group_key(description: str) -> Any:
    return Field(default=None, exclude_if=lambda value: value is None, description=description)


class StatsRow(BaseModel):
    """Metrics of one period (and group), computed from the summed daily counters."""

    period: date | None = Field(
        description="First day of the period (weeks start on Monday); null for total"
    )
    touchpoint: str | None = _group_key("Present when grouped by touchpoint")
    channel: str | None = _group_key("Present when grouped by channel; '' for surveys")
    persona: str | None = _group_key("Present when grouped by persona; '' when unknown")
    volume: int = Field(description="Signals with a valence: interactions and answered surveys")
    nps: float | None = Field(description="%promoters − %detractors; null without NPS answers")
    promoters: int
    passives: int
    detractors: int
    csat_mean: float | None
    csat_satisfied_pct: float | None = Field(description="% of CSAT answers at 4 or 5")
    ces_mean: float | None = Field(description="1–7, 7 = very easy")
    negative_rate: float | None = Field(description="negative signals / volume")
    positive_rate: float | None = Field(description="positive signals / volume")
    expectation_gap: float | None = Field(description="mean perceived − mean expected (1–5)")
    interactions: int
    success_rate: float | None = Field(description="successful interactions / interactions")
    waits_over_rate: float | None = Field(
        description="interactions waiting longer than the touchpoint's threshold / those "
        "with a known wait"
    )


class TouchpointStats(BaseModel):
    touchpoint: str
    known: bool = Field(description="Whether the current journey map defines it")
    targets: Targets | None
    rows: list[StatsRow]


class JourneyStats(BaseModel):
    journey: str
    touchpoints: list[str]
    rows: list[StatsRow]


class Report(BaseModel):
    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    from_: date = Field(alias="from")
    to: date


class Offered(BaseModel):
    interactions: int
    success_rate: float | None
    waits_within_threshold_rate: float | None = Field(
        description="1 − waits over the threshold / interactions with a known wait"
    )


class Expected(BaseModel):
    answers: int
    mean: float | None = Field(description="mean expectation, 1–5")


class Lived(BaseModel):
    volume: int
    nps: float | None
    csat_mean: float | None
    ces_mean: float | None
    negative_rate: float | None
    perceived_mean: float | None
    # how many answered each: an NPS of −100 from four answers is no NPS of four hundred
    nps_answers: int = Field(description="NPS answers the NPS is of")
    csat_answers: int = Field(description="CSAT answers the mean is of")
    ces_answers: int = Field(description="CES answers the mean is of")


class Gaps(BaseModel):
    """Measured − target (expectation: perceived − expected); null when a side is missing.

    Positive is better for every gap except ``negative_rate``."""

    nps: float | None
    csat: float | None
    ces: float | None
    negative_rate: float | None
    success_rate: float | None
    expectation: float | None


class TouchpointDimensions(BaseModel):
    touchpoint: str
    name: str
    moment_of_truth: bool
    intended: Targets
    offered: Offered
    expected: Expected
    lived: Lived
    gaps: Gaps


class FourDimensions(Report):
    touchpoints: list[TouchpointDimensions]


class EasePair(BaseModel):
    touchpoint: str
    pairs: int = Field(description="Interactions rated by both the customer and the employee")
    customer_ease_mean: float
    employee_ease_mean: float
    divergence: float = Field(description="employee mean − customer mean")


class C2esReport(Report):
    touchpoints: list[EasePair]


class UnknownTouchpoint(BaseModel):
    touchpoint: str
    volume: int = Field(description="Signals with a valence")
    interactions: int
    first_day: date
    last_day: date


class UnknownTouchpoints(Report):
    touchpoints: list[UnknownTouchpoint]


C2esGroupBy = Literal["touchpoint", "employee"]


class EmployeeEase(BaseModel):
    employee_id: str
    pairs: int = Field(description="Interactions of this employee rated by both sides")
    customer_ease_mean: float
    employee_ease_mean: float
    divergence: float = Field(description="employee mean − customer mean")


class C2esByEmployee(Report):
    min_pairs: int = Field(
        description="Employees with fewer pairs in the window are left out "
        "(C2ES_MIN_EMPLOYEE_PAIRS)"
    )
    hidden_employees: int = Field(description="How many employees were left out")
    employees: list[EmployeeEase]
