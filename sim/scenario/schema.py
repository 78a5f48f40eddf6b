"""The scenario: frozen, validated configuration that no run writes to.

A scenario has three sections, one per kind of input (``sim params`` prints
them: ``sim.scenario.fields.parameter_table``): ``run`` (settings), ``world``
(facts and assumptions about England's councils and Ofsted, ``WorldFacts``) and
``policy`` (levers). ``variants`` name alternative policies as dotted-path
overrides of the base; ``timeline`` applies dated overrides during a run (the
SIF-to-ILACS switch of January 2018, the 2020 inspection pause). Both are
checked when the file is loaded (``sim.scenario.loading``), so a bad path or
value is reported at its line before anything runs.

Sections live in ``world_facts.py``, ``ofsted_rules.py``, ``regime_rules.py`` and
``workforce_rules.py``, one module per institution.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from sim.calendar import month_index
from sim.defaults import MAX_SEED
from sim.scenario.fields import (
    GRADES,
    LAST_YEAR,
    Frozen,
    Name,
    check_year_month,
    setting,
)
from sim.scenario.ofsted_rules import Framework, OfstedPolicy, SharperTriggers
from sim.scenario.paths import default_scenario_path as default_scenario_path
from sim.scenario.regime_rules import Costs, Regime, Sponsors, Trusts
from sim.scenario.workforce_rules import Programmes, WorkforceDynamics
from sim.scenario.world_facts import Performance, Population, Signals

__all__ = [
    "GRADES",
    "Framework",
    "Performance",
    "Policy",
    "Population",
    "ResolvedScenario",
    "Scenario",
    "Signals",
    "WorldFacts",
]


class RunSettings(Frozen):
    """How the experiment runs."""

    name: Name | None = setting(
        None, unit="text", description="Scenario name; defaults to the file name"
    )
    start: str = setting(
        "2016-01", unit="YYYY-MM", description="Calendar month of simulated time 0"
    )
    horizon_months: float = setting(
        120.0, unit="months", description="Simulated time", gt=0, le=600
    )
    replications: int = setting(
        20, unit="count", description="Replications per variant", ge=1, le=100_000
    )
    seed: int = setting(
        20151214,
        unit="integer",
        description="Root seed of every random stream",
        ge=0,
        le=MAX_SEED,
    )
    baseline: Name = setting(
        "baseline", unit="text", description="Name of the base scenario among the variants"
    )
    parameter_uncertainty: Literal["fixed", "posterior"] = setting(
        "fixed",
        unit="choice",
        description="fixed: fitted inputs at their point values; posterior: each replication "
        "draws one particle of the calibration's posterior (the same for every variant)",
    )

    _check_start = field_validator("start", mode="before")(check_year_month)

    @model_validator(mode="after")
    def _ends_in_calendar(self) -> RunSettings:
        end = month_index(self.start) + self.horizon_months
        if end >= (LAST_YEAR + 1) * 12:
            raise ValueError(
                f"start {self.start} plus horizon_months {self.horizon_months:g} ends after "
                f"{LAST_YEAR}; expected a run that ends by {LAST_YEAR}-12"
            )
        return self


class WorldFacts(Frozen):
    """Facts and assumptions about England's councils and Ofsted."""

    population: Population = Field(default_factory=Population)
    performance: Performance = Field(default_factory=Performance)
    signals: Signals = Field(default_factory=Signals)
    costs: Costs = Field(default_factory=Costs)
    workforce: WorkforceDynamics = Field(default_factory=WorkforceDynamics)


class Policy(Frozen):
    """Policy levers and regime rules."""

    ofsted: OfstedPolicy = Field(default_factory=OfstedPolicy)
    sharper_triggers: SharperTriggers = Field(default_factory=SharperTriggers)
    regime: Regime = Field(default_factory=Regime)
    sponsors: Sponsors = Field(default_factory=Sponsors)
    trusts: Trusts = Field(default_factory=Trusts)
    programmes: Programmes = Field(default_factory=Programmes)


class TimelineEntry(Frozen):
    """Dotted-path overrides that take effect at a calendar month."""

    at: str = Field(description="Month the overrides take effect [YYYY-MM]")
    set: dict[str, Any] = Field(description="Dotted paths into world/policy and their new values")

    _check_at = field_validator("at", mode="before")(check_year_month)


class Scenario(Frozen):
    """A complete, validated scenario: what to run, in what world, under which policy."""

    run: RunSettings = Field(default_factory=RunSettings)
    world: WorldFacts = Field(default_factory=WorldFacts)
    policy: Policy = Field(default_factory=Policy)
    variants: dict[Name, dict[str, Any]] = Field(
        default_factory=dict,
        max_length=100,  # each is validated at load, with every timeline entry (a few ms each)
        description="Named policy variants as dotted-path overrides of the base",
    )
    calibration: str | None = Field(
        None,
        description="Fitted parameter file (relative to this file), e.g. "
        "../calibration/fitted.yaml: its values are the defaults under this file's settings",
    )
    timeline: list[TimelineEntry] = Field(
        default_factory=list, description="Dated overrides applied during the run"
    )

    @property
    def name(self) -> str:
        return self.run.name or "scenario"

    def months_from_start(self, year_month: str) -> int:
        """Simulated month of a calendar month (negative before the start)."""
        return month_index(year_month) - month_index(self.run.start)


@dataclass(frozen=True)
class ResolvedScenario:
    """A variant's scenario with its dated timeline resolved: what one replication replays.

    Built once per variant and sweep point (``sim.scenario.timeline.resolve``), so
    replications do not re-validate the timeline's overrides.

    Attributes:
        initial: The rules in force at time 0 (entries dated at or before the start folded in).
        changes: Each later change before the horizon: (simulated month, rules from then on).
    """

    initial: Scenario
    changes: tuple[tuple[float, Scenario], ...] = ()

    @property
    def run(self) -> RunSettings:
        """The run settings (no timeline entry may change them)."""
        return self.initial.run

    @classmethod
    def untimed(cls, scenario: Scenario) -> ResolvedScenario:
        """A scenario without timeline entries, as it stands.

        Raises:
            ValueError: If the scenario has a timeline (resolve it first: a silent
                skip would run other rules than the file says).
        """
        if scenario.timeline:
            raise ValueError(
                f"{scenario.name}: has timeline entries; pass sim.scenario.timeline.resolve(...)"
            )
        return cls(scenario)
