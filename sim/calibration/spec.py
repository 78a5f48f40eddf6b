"""The calibration spec: base scenario, parameters with priors, targets, replications, budget.

A spec is YAML (``calibration/spec.yaml``) read with the project's loader
(``sim.yamlio``) and schema validation (``sim.validation``), so every problem is
reported at its file:line with a did-you-mean: unknown keys, a parameter path the
scenario does not have, a prior range outside what the schema allows, a target
id missing from the targets file, a statistic or error model that does not fit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from sim.calibration.loss import ErrorKind, ErrorModel
from sim.calibration.statistics import STATISTICS, StatisticOptions
from sim.errors import ScenarioError
from sim.scenario.fields import Frozen
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.validation import get_path, validate, with_overrides
from sim.scenario.yamlio import Loc, Marks, load_yaml, located, suggest, unknown_message

# How many values each statistic returns (None: as many as the target has ids, up to 4).
SIZES: dict[str, int | None] = {
    "first_grades": 4,
    "next_grades_after_inadequate": None,
    "improved_after_inadequate": 1,
    "gap_median_after_inadequate": 1,
    "gap_min_after_inadequate": 1,
    "transitions": 16,
    "series_at": None,
}


class Prior(Frozen):
    """A prior for one parameter (pyABC draws from it with scipy.stats)."""

    distribution: Literal["uniform", "loguniform"] = Field(
        "uniform", description="uniform on [low, high], or uniform in log between them"
    )
    low: float = Field(description="Lower end [parameter's unit]")
    high: float = Field(description="Upper end [parameter's unit]")

    @model_validator(mode="after")
    def _ordered(self) -> Prior:
        if not self.low < self.high:
            raise ValueError(f"expected low < high, got {self.low} and {self.high}")
        if self.distribution == "loguniform" and self.low <= 0:
            raise ValueError("expected low > 0 for a loguniform prior")
        return self


class ParameterSpec(Frozen):
    """One fitted input: a dotted path into the base scenario and its prior."""

    path: str = Field(description="Dotted path, e.g. world.performance.judgement_noise_sd")
    prior: Prior


class ErrorSpec(Frozen):
    """The error model of a target as written in the spec (``sim.calibration.loss``)."""

    kind: ErrorKind = Field(description="multinomial, binomial, median, rate or normal")
    n: float | None = Field(None, gt=0, description="Sample size behind the observation")
    iqr: tuple[float, float] | None = Field(None, description="Observed IQR (median)")
    sd: float | None = Field(None, gt=0, description="Observation sd (normal)")
    floor: float = Field(0.0, ge=0, description="Smallest standard error [target's unit]")
    scale: float = Field(1.0, gt=0, description="1 for shares, 100 for per cent (rate)")
    groups: int = Field(1, ge=1, description="Equal groups of ids, one multinomial each")
    discrepancy: float = Field(
        0.0, ge=0, le=100, description="Model discrepancy: its variance as a multiple of the "
        "sampling variance (Kennedy & O'Hagan; 0: none)",
    )

    @model_validator(mode="after")
    def _complete(self) -> ErrorSpec:
        needs = {"binomial": ("n",), "median": ("n", "iqr"), "rate": ("n",), "normal": ("sd",)}
        missing = [k for k in needs.get(self.kind, ()) if getattr(self, k) is None]
        if missing:
            raise ValueError(f"a {self.kind} error model needs {', '.join(missing)}")
        return self

    def model(self) -> ErrorModel:
        return ErrorModel(
            self.kind, self.n, self.iqr, self.sd, self.floor, self.scale, self.groups,
            self.discrepancy,
        )


class TargetSpec(Frozen):
    """A target: ids in the targets file, the statistic that computes them, its error model."""

    name: str = Field(description="Short name used in fit.csv and the plots")
    ids: list[str] = Field(min_length=1, description="Target ids (calibration_targets.csv)")
    statistic: str = Field(description="How the model's value is computed (statistics.py)")
    framework: str = Field("SIF", description="Inspection framework the statistic reads")
    to_framework: str = Field("ILACS", description="Later framework (transitions)")
    column: str = Field("vacancy_rate", description="Monthly column (series_at)")
    months: list[str] = Field(default_factory=list, description="'YYYY-MM' (series_at)")
    scale: float = Field(1.0, description="Multiplies the model's value (100: per cent)")
    error: ErrorSpec
    weight: float = Field(1.0, ge=0, description="Weight of the discrepancy in the distance")

    @model_validator(mode="after")
    def _fits(self) -> TargetSpec:
        if self.statistic not in STATISTICS:
            raise ValueError(unknown_message(f"unknown statistic {self.statistic!r}",
                                             self.statistic, list(STATISTICS)))
        size = SIZES[self.statistic]
        expected = size if size is not None else (len(self.months) or len(self.ids))
        if self.statistic == "series_at" and len(self.months) != len(self.ids):
            raise ValueError(f"expected one month per id, got {len(self.months)} months")
        if len(self.ids) != expected:
            raise ValueError(f"{self.statistic} gives {expected} values; got {len(self.ids)} ids")
        if self.error.kind == "multinomial" and len(self.ids) % self.error.groups:
            raise ValueError(f"{len(self.ids)} ids do not split into {self.error.groups} groups")
        return self

    def options(self) -> StatisticOptions:
        return StatisticOptions(
            self.framework, self.to_framework, self.column, tuple(self.months), self.scale,
            len(self.ids),
        )


class NotComputable(Frozen):
    """Targets the model cannot compute, and why (listed in fit.csv's notes and the README)."""

    ids: list[str] = Field(min_length=1)
    why: str


class Budget(Frozen):
    """How much simulation the fit may use (ABC-SMC, one generation at a time)."""

    population: int = Field(default=100, ge=2, le=100_000, description="Particles per generation")
    generations: int = Field(default=6, ge=1, le=100, description="Most generations")
    max_evaluations: int = Field(
        default=5000, ge=1, description="Most parameter vectors evaluated (x replications = runs)"
    )
    min_acceptance_rate: float = Field(
        default=0.02, ge=0, le=1,
        description="Stop a generation after population / this evaluations (and the fit)",
    )


class CalibrationSpec(Frozen):
    """A calibration as written in its YAML file."""

    name: str | None = Field(None, description="Defaults to the file name")
    scenario: str = Field(description="Base scenario file, relative to the spec")
    targets_file: str = Field(
        "data/calibration_targets.csv", description="Targets table, relative to the spec"
    )
    parameters: list[ParameterSpec] = Field(min_length=1)
    targets: list[TargetSpec] = Field(min_length=1)
    not_computable: list[NotComputable] = Field(default_factory=list)
    replications: int = Field(4, ge=1, le=1000, description="CRN replications per evaluation")
    seed: int = Field(2016, ge=0, description="Seed of the replications and of pyABC")
    budget: Budget = Field(default_factory=Budget)

    def parameters_paths(self) -> list[str]:
        """The fitted dotted paths, in spec order."""
        return [p.path for p in self.parameters]


@dataclass(frozen=True)
class Calibration:
    """A checked spec with its base scenario and observed values."""

    path: Path
    spec: CalibrationSpec
    base: Scenario
    observed: dict[str, float]  # target id -> observed value
    targets_path: Path
    spec_hash: str
    targets_hash: str

    @property
    def name(self) -> str:
        return self.spec.name or self.path.stem


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes (recorded in fitted.yaml)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_spec(path: str | Path, overrides: dict[str, Any] | None = None) -> Calibration:
    """Read and check a calibration spec; every problem is located in the spec file.

    Args:
        path: The spec YAML file.
        overrides: Dotted-path settings from the command line (e.g. ``budget.population``).

    Raises:
        ScenarioError: At the spec's file, line and field of each problem.
    """
    name, file = str(path), Path(path)
    data, marks = load_yaml(file)
    spec = validate(CalibrationSpec, data, path=name, marks=marks)
    if overrides:
        spec = with_overrides(spec, overrides, path="<command line>", marks=Marks())
    base = _base_scenario(spec, file, marks)
    for index, parameter in enumerate(spec.parameters):
        _check_parameter(base, parameter, name, marks, ("parameters", index))
    targets_path = (file.parent / spec.targets_file).resolve()
    observed = _observed(spec, targets_path, name, marks)
    return Calibration(
        file, spec, base, observed, targets_path, file_hash(file), file_hash(targets_path)
    )


def _base_scenario(spec: CalibrationSpec, file: Path, marks: Marks) -> Scenario:
    scenario = file.parent / spec.scenario
    if not scenario.is_file():
        raise located(f"no scenario file {spec.scenario!r} (looked for {scenario})",
                      str(file), marks.value(("scenario",)), field="scenario")
    return load_scenario(scenario)


def _check_parameter(
    base: Scenario, parameter: ParameterSpec, name: str, marks: Marks, loc: Loc
) -> None:
    """The path exists in the scenario, and both ends of the prior validate there."""
    try:
        value = get_path(base, parameter.path)
    except ScenarioError as err:
        raise located(err.message, name, marks.value((*loc, "path")), field="path") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise located(f"{parameter.path} is {value!r}; expected a number to fit", name,
                      marks.value((*loc, "path")), field="path")
    for end in ("low", "high"):
        try:
            with_overrides(base, {parameter.path: getattr(parameter.prior, end)},
                           path=name, marks=Marks())
        except ScenarioError as err:
            where = marks.value((*loc, "prior", end))
            raise located(f"prior {end} {getattr(parameter.prior, end)} is not allowed for "
                          f"{parameter.path}: {err.errors[0].describe()}", name, where,
                          field=f"prior.{end}") from None


def _observed(spec: CalibrationSpec, targets: Path, name: str, marks: Marks) -> dict[str, float]:
    """Observed value of every target id (numeric), or a located error."""
    try:
        table = pd.read_csv(targets, dtype={"value": str})
    except (OSError, ValueError) as err:
        raise located(f"cannot read the targets file ({err})", name,
                      marks.value(("targets_file",)), field="targets_file") from None
    values = dict(zip(table["id"].astype(str), table["value"], strict=True))
    observed, seen = {}, set()
    for t, target in enumerate(spec.targets):
        for i, ident in enumerate(target.ids):
            where = marks.value(("targets", t, "ids", i))
            if ident not in values:
                guess = suggest(ident, values)
                hint = f"; did you mean {guess!r}?" if guess else ""
                raise located(f"no target {ident!r} in {targets.name}{hint}", name, where,
                              field=f"targets.{t}.ids.{i}")
            if ident in seen:
                raise located(f"target {ident!r} is used twice", name, where)
            try:
                observed[ident] = float(values[ident])
            except ValueError:
                raise located(f"target {ident!r} has no numeric value ({values[ident]!r})",
                              name, where) from None
            seen.add(ident)
    return observed
