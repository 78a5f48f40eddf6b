"""Sweep files: a base scenario, swept parameters, a design, replications and variants.

A sweep file is YAML::

    scenario: reform_2015.yaml          # base scenario, relative to this file
    parameters:
      - {path: policy.ofsted.capacity_multiplier, low: 0.5, high: 2}
      - {path: policy.sharper_triggers.act_probability, low: 0.05, high: 0.95}
      - {path: policy.sharper_triggers.min_gap_months, values: [6, 12, 24]}
    design: {method: sobol, points: 16, seed: 1}
    replications: 5
    variants: [no_sharper_triggers]     # optional: the base scenario's variants to cross
    streams: common                     # optional: common (default) or independent
    metrics: [child_years_truly_inadequate]   # optional: outcomes for sensitivity and plots

The whole sweep is checked before anything runs (``load_sweep``): the file's
schema, every dotted path (it must exist in the base scenario), the variants,
and every generated point under every variant. Each problem is reported at
its line in the sweep file.

``streams: common`` (the default) gives replication r of every point the same
random streams (common random numbers), so the difference between two points
of one replication is the effect of their parameters, not of their draws;
``streams: independent`` gives each point its own streams, as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import Field, field_validator, model_validator

from sim.defaults import MAX_SEED
from sim.errors import ScenarioError, short_repr
from sim.experiments.designs import ParameterRange, Point, design
from sim.experiments.tasks import Task, fingerprint
from sim.model.recorder import OUTCOMES
from sim.scenario.fields import Frozen, Name, safe_name
from sim.scenario.loading import NOT_IN_VARIANTS, load_scenario
from sim.scenario.schema import ResolvedScenario, Scenario
from sim.scenario.timeline import resolve, variant_scenarios
from sim.scenario.validation import get_path, validate, with_overrides
from sim.scenario.yamlio import Marks, load_yaml, suggest

Scalar = bool | int | float | str | None
# Every point is validated under every variant before anything runs, at a few ms each
# (about 6 ms on a loaded 2-core machine): beyond this many the check alone would take minutes,
# and such a design is refused with its size instead of stalling silently.
MAX_CHECKED = 10_000  # resolved scenarios (points x variants) [count]
DEFAULT_METRICS = (
    "child_years_truly_inadequate",
    "child_years_judged_inadequate",
    "detection_delay_months_mean",
)


class SweepParameter(Frozen):
    """One swept input: discrete ``values``, or a range ``low``-``high``."""

    path: str = Field(
        description="Dotted path into the base scenario, e.g. policy.ofsted.capacity_multiplier"
    )
    values: list[Scalar] | None = Field(None, min_length=1, description="Discrete values")
    low: float | None = Field(None, description="Lower end of the range [parameter's unit]")
    high: float | None = Field(None, description="Upper end of the range [parameter's unit]")
    log: bool = Field(False, description="Sample uniformly in log10 (for scale parameters)")
    integer: bool = Field(False, description="Whole numbers only, each equally likely")

    @model_validator(mode="after")
    def _values_or_range(self) -> SweepParameter:
        ranged = self.low is not None or self.high is not None or self.log or self.integer
        if self.values is not None and ranged:
            raise ValueError("expected either values or low/high (with log, integer), not both")
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("expected values: [...] or both low and high")
        self.as_range()  # ParameterRange checks low < high, log > 0, an integer in range
        return self

    def as_range(self) -> ParameterRange:
        values = tuple(self.values) if self.values is not None else None
        return ParameterRange(self.path, values, self.low, self.high, self.log, self.integer)  # type: ignore[arg-type]


class Design(Frozen):
    """How points are chosen (``scipy.stats.qmc`` / SALib samplers, seeded)."""

    method: Literal["grid", "lhs", "sobol"] = Field(description="grid, lhs or sobol")
    points: int | None = Field(
        None,
        ge=1,
        le=1_000_000,
        description="lhs: points; sobol: base samples N, a power of 2 (N x (D + 2) points); "
        "grid: leave out (every combination of values)",
    )
    seed: int = Field(
        0, ge=0, le=MAX_SEED, description="Sampler seed (the simulation seed is run.seed)"
    )

    @model_validator(mode="after")
    def _points_fit_method(self) -> Design:
        if self.method == "grid" and self.points is not None:
            raise ValueError("a grid takes every combination of values; leave out points")
        if self.method != "grid" and self.points is None:
            raise ValueError(f"a {self.method} design needs points")
        if self.method == "sobol" and self.points and self.points & (self.points - 1):
            raise ValueError(f"sobol needs points (N) a power of 2, got {self.points}")
        return self


class SweepFile(Frozen):
    """A sweep as written in its YAML file."""

    name: Name | None = Field(None, description="Sweep name; defaults to the file name")
    scenario: str = Field(description="Base scenario file, relative to the sweep file")
    parameters: list[SweepParameter] = Field(min_length=1)
    design: Design
    replications: int = Field(ge=1, le=100_000, description="Replications per point and variant")
    variants: list[str] = Field(
        default_factory=list, description="Variants of the base scenario to cross with the points"
    )
    streams: Literal["common", "independent"] = Field(
        "common",
        description="common: replication r of every point draws the same random streams "
        "(paired differences between points); independent: each point its own",
    )
    metrics: list[str] = Field(
        default_factory=lambda: list(DEFAULT_METRICS),
        min_length=1,
        description="Outcomes for sensitivity indices and plots",
    )

    @field_validator("metrics")
    @classmethod
    def _known_metrics(cls, metrics: list[str]) -> list[str]:
        for name in metrics:
            if name not in OUTCOMES:
                guess = suggest(name, OUTCOMES)
                hint = f"; did you mean {guess!r}?" if guess else ""
                raise ValueError(f"unknown outcome {name!r}{hint} (see sim.model.recorder)")
        return metrics


@dataclass(frozen=True)
class Sweep:
    """A checked sweep: its definition, base scenario, parameters and points.

    Scenarios of points are rebuilt when a task is sent (``scenario``), not kept,
    so memory does not grow with the number of points.
    """

    path: Path
    spec: SweepFile
    base: Scenario
    parameters: tuple[ParameterRange, ...]
    points: tuple[Point, ...]
    variants: tuple[str, ...]  # baseline first
    fingerprints: dict[tuple[str, int], str]

    @property
    def name(self) -> str:
        return self.spec.name or safe_name(self.path.stem)

    @cached_property
    def bases(self) -> dict[str, Scenario]:
        """The base scenario of each variant (before a point's overrides)."""
        return variant_scenarios(self.base)

    def scenario(self, variant: str, point: int) -> Scenario:
        """The resolved scenario of ``variant`` at design point ``point``."""
        overrides = self.points[point]
        return with_overrides(self.bases[variant], overrides, path=str(self.path), marks=Marks())

    def scenario_of(self, task: Task) -> ResolvedScenario:
        """The resolved scenario of a task's variant and point, once per unit of work sent."""
        return resolve(self.scenario(task.variant, task.point))

    def tasks(self, replications: int | None = None) -> list[Task]:
        """Every task, point by point, replication by replication, variant by variant."""
        reps = range(self.spec.replications if replications is None else replications)
        seed = self.base.run.seed
        shared = 0 if self.spec.streams == "common" else None
        return [
            Task(v, p, r, seed, self.fingerprints[(v, p)], shared)
            for p in range(len(self.points))
            for r in reps
            for v in self.variants
        ]

    def design_table(self) -> pd.DataFrame:
        """One row per point: ``point`` and each parameter's value."""
        rows = [{"point": i, **point} for i, point in enumerate(self.points)]
        return pd.DataFrame(rows, columns=["point", *(p.path for p in self.parameters)])


def _located(
    message: str, path: str, marks: Marks, loc: tuple[Any, ...], *, field: str | None = None
) -> ScenarioError:
    line, column = marks.nearest(loc) or (None, None)
    return ScenarioError(message, path=path, line=line, column=column, field=field)


def load_sweep(path: str | Path, overrides: dict[str, Any] | None = None) -> Sweep:
    """Read and check a whole sweep before anything runs.

    Args:
        path: The sweep file.
        overrides: Dotted-path settings of the base scenario from the command line
            (``--set``), applied before the sweep's own checks.

    Raises:
        ScenarioError: At the sweep file's line of the first problem (schema, unknown
            path, unknown variant, or a generated point that does not validate).
    """
    name = str(path)
    data, marks = load_yaml(path)
    spec = validate(SweepFile, data, path=name, marks=marks)
    base = _load_base(Path(path), spec, marks)
    if overrides:
        base = with_overrides(base, overrides, path="--set", marks=Marks())
    _check_paths(spec, base, name, marks)
    variants = _check_variants(spec, base, name, marks)
    parameters = tuple(p.as_range() for p in spec.parameters)
    _check_size(spec, len(variants), name, marks)
    least = len(parameters) + 3  # regression and rank-correlation indices need n > D + 2
    if spec.design.method == "lhs" and (spec.design.points or 0) < least:
        message = f"an lhs design of {len(parameters)} parameters needs at least {least} points"
        raise _located(message, name, marks, ("design", "points"), field="design.points")
    try:
        points = tuple(design(parameters, spec.design.method, spec.design.points, spec.design.seed))
    except ValueError as err:
        raise _located(str(err), name, marks, ("design",), field="design") from None
    prints = _check_points(spec, base, variants, points, name, marks)
    return Sweep(Path(path), spec, base, parameters, points, variants, prints)


def design_size(spec: SweepFile) -> int:
    """Points the design will generate, computed without generating them."""
    if spec.design.method == "grid":
        return math.prod(len(p.values or ()) for p in spec.parameters)
    points = spec.design.points or 0
    return points * (len(spec.parameters) + 2) if spec.design.method == "sobol" else points


def _check_size(spec: SweepFile, variants: int, name: str, marks: Marks) -> None:
    """Refuse a design too large to check (and run) in reasonable time, before generating it."""
    size = design_size(spec)
    if size * variants <= MAX_CHECKED:
        return
    grid = spec.design.method == "grid"
    where: tuple[str, ...] = ("parameters",) if grid else ("design", "points")
    field = ".".join(where)
    message = (
        f"the design has {size:,} points x {variants} variants = {size * variants:,} scenarios "
        f"to check; expected at most {MAX_CHECKED:,} (fewer points, values or variants)"
    )
    raise _located(message, name, marks, where, field=field)


def _load_base(path: Path, spec: SweepFile, marks: Marks) -> Scenario:
    scenario_path = path.parent / spec.scenario
    if not scenario_path.is_file():
        raise _located(
            f"no scenario file {str(scenario_path)!r}; expected a path relative to the sweep file",
            str(path),
            marks,
            ("scenario",),
            field="scenario",
        )
    return load_scenario(scenario_path)


def _check_paths(spec: SweepFile, base: Scenario, name: str, marks: Marks) -> None:
    """Every path exists in the base scenario, is a world or policy input, and is swept once."""
    seen: set[str] = set()
    for index, parameter in enumerate(spec.parameters):
        loc = ("parameters", index, "path")
        dotted = parameter.path
        if any(dotted == p or dotted.startswith(p + ".") for p in NOT_IN_VARIANTS):
            message = f"cannot be swept; expected a path under world or policy, not {dotted!r}"
            raise _located(message, name, marks, loc, field=dotted)
        if dotted in seen:
            raise _located("swept twice; give each path once", name, marks, loc, field=dotted)
        _check_not_in_timeline(base, dotted, name, marks, loc)
        seen.add(dotted)
        try:
            get_path(base, dotted)
        except ScenarioError as err:
            raise _located(err.message, name, marks, loc, field=dotted) from None
        if spec.design.method == "grid" and parameter.values is None:
            message = "a grid design needs values for every parameter (or use lhs or sobol)"
            raise _located(message, name, marks, ("parameters", index), field=dotted)


def _check_not_in_timeline(
    base: Scenario, dotted: str, name: str, marks: Marks, loc: tuple[Any, ...]
) -> None:
    """A swept path that a timeline entry later sets would be silently undone: refuse it."""
    for entry in base.timeline:
        clash = [p for p in entry.set if _overlaps(p, dotted)]
        if clash:
            message = (
                f"the scenario's timeline sets {clash[0]} at {entry.at}, which would undo the "
                f"swept value of {dotted} from then on; sweep a path the timeline does not set "
                "(e.g. policy.ofsted.capacity_multiplier, which a pause by "
                "policy.ofsted.operating_share keeps)"
            )
            raise _located(message, name, marks, loc, field=dotted)


def _check_variants(spec: SweepFile, base: Scenario, name: str, marks: Marks) -> tuple[str, ...]:
    """Named variants exist and do not set a swept path; the baseline always comes first."""
    swept = [p.path for p in spec.parameters]
    for index, variant in enumerate(spec.variants):
        loc = ("variants", index)
        if variant not in base.variants:
            guess = suggest(variant, base.variants)
            hint = f"; did you mean {guess!r}?" if guess else ""
            known = ", ".join(base.variants) or "none"
            message = f"no variant {variant!r} in the base scenario{hint} (variants: {known})"
            raise _located(message, name, marks, loc, field=f"variants.{index}")
        for dotted in base.variants[variant]:
            clash = [s for s in swept if _overlaps(s, dotted)]
            if clash:
                message = f"variant {variant!r} sets {dotted}, which the sweep varies"
                raise _located(message, name, marks, loc, field=f"variants.{index}")
    names = [base.run.baseline, *(v for v in spec.variants if v != base.run.baseline)]
    return tuple(dict.fromkeys(names))


def _overlaps(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _check_points(
    spec: SweepFile,
    base: Scenario,
    variants: tuple[str, ...],
    points: tuple[Point, ...],
    name: str,
    marks: Marks,
) -> dict[tuple[str, int], str]:
    """Validate every point under every variant; return each one's fingerprint."""
    point_marks = Marks()  # an override's position is its parameter's entry in the sweep file
    for index, parameter in enumerate(spec.parameters):
        position = marks.nearest(("parameters", index)) or (0, 0)
        point_marks.add((parameter.path,), key=position, value=position)
    bases = variant_scenarios(base)
    prints: dict[tuple[str, int], str] = {}
    for number, point in enumerate(points):
        for variant in variants:
            try:
                resolved = with_overrides(bases[variant], point, path=name, marks=point_marks)
            except ScenarioError as err:
                raise _point_error(err, number, variant, point) from None
            prints[(variant, number)] = fingerprint(resolved)
    return prints


def _point_error(err: ScenarioError, number: int, variant: str, point: Point) -> ScenarioError:
    """Say which design point (and variant) failed, keeping each problem's location."""
    values = ", ".join(f"{k}={_show(v)}" for k, v in point.items())
    where = f"design point {number} ({values}), variant {variant!r}"
    leaves = [
        ScenarioError(
            f"{where}: {leaf.message}" if leaf.message else where,
            path=leaf.path,
            line=leaf.line,
            column=leaf.column,
            field=leaf.field,
            value=leaf.value,
            expected=leaf.expected,
        )
        for leaf in err.errors
    ]
    return ScenarioError.combine(leaves)


def _show(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.4g}"
    return short_repr(value, 24)
