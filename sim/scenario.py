"""The scenario: frozen, validated configuration that no run writes to.

A scenario has three sections, one per kind of input (see ``sim.params``):
``run`` (settings), ``world`` (facts and assumptions about England's councils
and Ofsted) and ``policy`` (levers). ``variants`` name alternative policies as
dotted-path overrides of the base; ``timeline`` applies dated overrides during
a run (DESIGN 2.6). Both are checked when the file is loaded, so a bad path or
value is reported at its line before anything runs.

The latent performance scale is set so that judged scores are roughly N(0, 1)
across councils: the default cutpoints are the normal quantiles of the first
SIF judgements of all 152 councils (33 inadequate, 65 requires improvement,
51 good, 3 outstanding; calibration_targets.csv ``sif_first_*``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.params import assumption, fact, lever, setting

GRADES: tuple[str, ...] = ("inadequate", "requires_improvement", "good", "outstanding")
_YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
SIF_SOURCE = "calibration_targets.csv sif_first_* (Ofsted, first SIF judgements 2014-17)"


class Frozen(BaseModel):
    """Base of every scenario section: immutable and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def month_index(year_month: str) -> int:
    """Months since year 0 of a 'YYYY-MM' string (for differences between dates)."""
    match = _YEAR_MONTH.match(year_month)
    if match is None:
        raise ValueError(f"expected a month as 'YYYY-MM', got {year_month!r}")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def check_year_month(value: Any) -> str:
    """Accept 'YYYY-MM' (YAML may hand us a date for '2018-01-01': refuse it clearly)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a month as 'YYYY-MM' in quotes, got {value!r}")
    month_index(value)
    return value


class RunSettings(Frozen):
    """How the experiment runs."""

    name: str | None = setting(None, unit="text", description="Scenario name; defaults to the file name")
    start: str = setting("2016-01", unit="YYYY-MM", description="Calendar month of simulated time 0")
    horizon_months: float = setting(120.0, unit="months", description="Simulated time", gt=0, le=600)
    replications: int = setting(20, unit="count", description="Replications per variant", ge=1, le=100_000)
    seed: int = setting(20151214, unit="integer", description="Root seed of every random stream", ge=0)
    baseline: str = setting(
        "baseline", unit="text", description="Name of the base scenario among the variants"
    )

    _check_start = field_validator("start", mode="before")(check_year_month)


class Population(Frozen):
    """Which councils the world starts with."""

    source: Literal["england_2015", "synthetic"] = setting(
        "england_2015",
        unit="choice",
        description="The 152 real councils on 14 Dec 2015, or N synthetic councils",
    )
    councils: int = setting(
        152, unit="count", description="Number of synthetic councils", ge=1, le=100_000
    )
    grade_shares: dict[str, float] = fact(
        {"inadequate": 20 / 152, "requires_improvement": 77 / 152, "good": 52 / 152,
         "outstanding": 3 / 152},
        unit="share",
        description="Judged-grade distribution of synthetic councils at time 0",
        source="councils_2015.csv (20 I, 77 RI, 52 G, 3 O on 14 Dec 2015)",
    )
    judgement_age_max_months: float = assumption(
        48.0,
        unit="months",
        description="Synthetic councils' last judgement is uniformly 0 to this many months old",
        why="the real judgements on 14 Dec 2015 were 0 to 57 months old",
        gt=0,
    )

    @field_validator("grade_shares")
    @classmethod
    def _shares_cover_grades(cls, shares: dict[str, float]) -> dict[str, float]:
        if set(shares) != set(GRADES) or any(v < 0 for v in shares.values()):
            raise ValueError(f"expected a non-negative share for each of {', '.join(GRADES)}")
        if abs(sum(shares.values()) - 1.0) > 1e-6:
            raise ValueError(f"expected shares summing to 1, got {sum(shares.values()):.4f}")
        return shares


class Performance(Frozen):
    """The latent performance score q of each council (DESIGN 2.1)."""

    reversion_rate: float = assumption(
        0.05, unit="1/month", ge=0, le=5,
        description="Ornstein-Uhlenbeck pull of q towards its long-run level m (theta)",
        why="half-life of about 14 months; ISOS: core systems take 6-12 months, a service 2 years",
    )
    volatility: float = assumption(
        0.1414, unit="score/sqrt(month)", ge=0, le=5,
        description="Ornstein-Uhlenbeck volatility of q (sigma)",
        why="stationary spread around m of 0.45 with theta 0.05; to be calibrated",
    )
    base_sd: float = assumption(
        0.8, unit="score", ge=0, le=5,
        description="Spread of councils' own base levels",
        why="with the OU spread and judgement noise gives judged scores of variance 1",
    )
    judgement_noise_sd: float = assumption(
        0.4, unit="score", ge=0, le=5,
        description="Noise of an inspection judgement or monitoring reading around q",
        why="judgements are noisy readings; to be calibrated on the transition matrix",
    )
    cutpoints: tuple[float, float, float] = fact(
        (-0.782, 0.371, 2.06), unit="score",
        description="Score cutpoints: inadequate < c1 <= RI < c2 <= good < c3 <= outstanding",
        source=f"normal quantiles of the first-SIF shares 0.217, 0.645, 0.980; {SIF_SOURCE}",
    )
    leadership_change_rate: float = assumption(
        1 / 36, unit="1/month", ge=0, le=5,
        description="Rate of leadership changes, each redrawing the council's base level",
        why="directors of children's services change about every 3 years",
    )
    leadership_persistence: float = assumption(
        0.6, unit="fraction", ge=0, le=1,
        description="Weight of the old base level in the new one after a leadership change",
        why="a new leader inherits much of the service; keeps base levels stationary",
    )

    @field_validator("cutpoints")
    @classmethod
    def _increasing(cls, cuts: tuple[float, float, float]) -> tuple[float, float, float]:
        if not cuts[0] < cuts[1] < cuts[2]:
            raise ValueError(f"expected increasing cutpoints c1 < c2 < c3, got {list(cuts)}")
        return cuts


class Signals(Frozen):
    """Concern signals: whistle-blowers, serious incidents, evidence of poor leadership."""

    rate_at_inadequate: float = assumption(
        0.05, unit="1/month", ge=0, le=10,
        description="Signal rate of a council whose q sits at the inadequate cutpoint",
        why="a borderline council draws a serious concern about every 20 months",
    )
    slope: float = assumption(
        1.5, unit="1/score", ge=0, le=10,
        description="Rate multiplies by exp(slope) for each unit q falls",
        why="failing services generate far more complaints and serious incidents",
    )
    max_rate: float = assumption(
        1.0, unit="1/month", gt=0, le=100,
        description="Cap on the signal rate (keeps very low scores finite)",
        why="no more than about one serious signal a month reaches Ofsted",
    )


class Inspections(Frozen):
    """What an inspection costs Ofsted in team time."""

    inspection_months: float = fact(
        1.0, unit="months", gt=0, le=12,
        description="Time a graded inspection holds a team",
        source="SIF: 4 weeks on site (calibration_targets.csv sif_onsite_weeks); ILACS 1-2 weeks",
    )
    monitoring_visit_months: float = assumption(
        0.1, unit="months", gt=0, le=12,
        description="Time a monitoring visit holds a team",
        why="monitoring visits are about two days on site with preparation and write-up",
    )


class World(Frozen):
    """Facts and assumptions about England's councils and Ofsted."""

    population: Population = Field(default_factory=Population)
    performance: Performance = Field(default_factory=Performance)
    signals: Signals = Field(default_factory=Signals)
    inspections: Inspections = Field(default_factory=Inspections)


class Cadence(Frozen):
    """Months from a judgement to the next routine inspection, by that judgement."""

    outstanding: float = fact(36.0, unit="months", gt=0, le=240, description="After outstanding",
                              source="SIF and ILACS: about every 3 years")
    good: float = fact(36.0, unit="months", gt=0, le=240, description="After good",
                       source="SIF and ILACS: about every 3 years")
    requires_improvement: float = fact(36.0, unit="months", gt=0, le=240,
                                       description="After requires improvement",
                                       source="SIF and ILACS: about every 3 years")
    inadequate: float = fact(30.0, unit="months", gt=0, le=240,
                             description="Scheduled re-inspection after inadequate",
                             source="ILACS: re-inspection about 2.5 years after the judgement; "
                                    "SIF re-inspections: median 32.6 months")


class OfstedPolicy(Frozen):
    """How Ofsted inspects: capacity, cadence and monitoring of inadequate councils."""

    teams: int = lever(4, unit="teams", ge=0, le=1000,
                       description="Inspection teams working at once (an inspection holds one; "
                                   "0 pauses inspections, as from March 2020)")
    cadence: Cadence = Field(default_factory=Cadence)
    cadence_jitter_months: float = fact(
        6.0, unit="months", ge=0, le=60,
        description="Routine inspections fall uniformly this far either side of the due date",
        source="ILACS: about every 3 years, within 6 months either side",
    )
    monitoring_interval_months: float = fact(
        3.0, unit="months", gt=0, le=60,
        description="Months between monitoring visits to an inadequate council",
        source="SIF: quarterly monitoring visits (calibration_targets.csv sif_mv_frequency)",
    )
    monitoring_max_visits: int = fact(
        6, unit="visits", ge=0, le=100, description="Monitoring visits per inadequate judgement",
        source="SIF: up to 6 quarterly monitoring visits",
    )
    early_reinspection_min_months: float = assumption(
        18.0, unit="months", ge=0, le=240,
        description="Earliest re-inspection after an inadequate judgement when monitoring "
                    "shows improvement",
        why="no inadequate council was re-graded within about 22 months "
            "(calibration_targets.csv)",
    )


class SharperTriggers(Frozen):
    """Emergency inspections on concern signals (the 2015 announcement's sharper triggers)."""

    enabled: bool = lever(True, unit="on/off", description="Signals can trigger an inspection")
    act_probability: float = lever(0.3, unit="probability", ge=0, le=1,
                                   description="Chance a signal leads to an emergency inspection")
    lead_time_months: float = lever(1.0, unit="months", ge=0, le=60,
                                    description="From signal to the emergency inspection's start")
    min_gap_months: float = lever(12.0, unit="months", ge=0, le=240,
                                  description="No emergency inspection within this long of a "
                                              "graded inspection")


class Policy(Frozen):
    """Policy levers and regime rules."""

    ofsted: OfstedPolicy = Field(default_factory=OfstedPolicy)
    sharper_triggers: SharperTriggers = Field(default_factory=SharperTriggers)


class TimelineEntry(Frozen):
    """Dotted-path overrides that take effect at a calendar month."""

    at: str = Field(description="Month the overrides take effect [YYYY-MM]")
    set: dict[str, Any] = Field(description="Dotted paths into world/policy and their new values")

    _check_at = field_validator("at", mode="before")(check_year_month)


class Scenario(Frozen):
    """A complete, validated scenario: what to run, in what world, under which policy."""

    run: RunSettings = Field(default_factory=RunSettings)
    world: World = Field(default_factory=World)
    policy: Policy = Field(default_factory=Policy)
    variants: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Named policy variants as dotted-path overrides of the base"
    )
    timeline: list[TimelineEntry] = Field(
        default_factory=list, description="Dated overrides applied during the run (DESIGN 2.6)"
    )

    @model_validator(mode="after")
    def _timeline_ordered(self) -> Scenario:
        months = [month_index(entry.at) for entry in self.timeline]
        if months != sorted(months):
            raise ValueError("expected timeline entries in date order")
        return self

    @property
    def name(self) -> str:
        return self.run.name or "scenario"

    def months_from_start(self, year_month: str) -> int:
        """Simulated month of a calendar month (negative before the start)."""
        return month_index(year_month) - month_index(self.run.start)


def default_scenario_path() -> Path:
    """The scenario `sim run` uses when none is given."""
    return Path(__file__).resolve().parent.parent / "scenarios" / "reform_2015.yaml"
