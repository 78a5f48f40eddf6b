"""Scenario discovery: where in a sweep's parameter space the outcome is bad (PRIM).

"Under which conditions does the reform leave more children in failing services
than the status quo?" A sweep gives the outcome at many points; each point is
marked bad when its replication-averaged outcome is worse than a value (in the
outcome's unit, worse by the registry's direction), or worse than another variant
at the same point (paired by replication under common random numbers). The
Patient Rule Induction Method (Friedman & Fisher 1999; the ``prim`` package, the
same algorithm as EMA Workbench's) then peels the parameter box a little at a
time towards the bad points. Each step of the peeling trajectory trades
coverage (share of all bad points inside the box) for density (share of points
inside the box that are bad); the box reported is the one with the highest
coverage among those at least ``min_density`` dense (else the densest).

Writes ``discovery_<metric>.csv`` (the box: each parameter's limits, whether
restricted, with coverage, density and mass), ``peeling_<metric>.csv`` (the
trajectory) and the trade-off plot ``discovery_<metric>.png``/``.svg``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import prim
from matplotlib.figure import Figure

from sim.defaults import DEFAULT_DENSITY
from sim.errors import ResultsError
from sim.model.recorder import OUTCOMES
from sim.results.directory import RunDirectory
from sim.results.lock import locked
from sim.results.measures import header_units, with_units, without_units
from sim.results.plots import save
from sim.results.tableio import write_table


@dataclass(frozen=True)
class Discovery:
    """A box of parameter space where the outcome is bad, and how it was found."""

    box: pd.DataFrame  # parameter, low, high, restricted
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted
    chosen: int  # step of the trajectory reported
    bad: int  # points marked bad
    points: int  # points in the sweep
    rule: str  # what "bad" meant, in words
    files: list[Path]


def _per_point(replications: pd.DataFrame, variant: str, metric: str) -> pd.Series:
    rows = replications[replications["variant"] == variant]
    if rows.empty:
        known = ", ".join(dict.fromkeys(replications["variant"]))
        raise ResultsError(f"no variant {variant!r} in the sweep (it holds {known})")
    return rows.set_index(["point", "replication"])[metric].astype(float)


def bad_points(
    replications: pd.DataFrame, metric: str, worse_than: str, variant: str
) -> tuple[pd.Series, str]:
    """Which points are bad (point -> bool) and the rule in words.

    ``worse_than`` is a number (the outcome's unit) or the name of another variant.
    """
    if metric not in replications.columns:
        raise ResultsError(f"no outcome {metric!r} in the sweep's replications")
    sign = -1.0 if OUTCOMES[metric].better == "higher" else 1.0  # sign * value: larger is worse
    mine = _per_point(replications, variant, metric)
    try:
        value = float(worse_than)
    except ValueError:
        other = _per_point(replications, worse_than, metric)
        diff = (mine - other.reindex(mine.index)).groupby(level="point").mean()
        rule = f"{metric} of {variant!r} worse than {worse_than!r} at the same point"
        return sign * diff > 0, rule
    if not math.isfinite(value):
        raise ResultsError(f"--worse-than: expected a finite number or a variant, got {value}")
    means = mine.groupby(level="point").mean()
    word = "below" if sign < 0 else "above"
    return sign * (means - value) > 0, f"mean {metric} of {variant!r} {word} {value:g}"


def _choose(trajectory: pd.DataFrame, min_density: float) -> int:
    dense = trajectory[trajectory["density"] >= min_density]
    if dense.empty:
        return int(trajectory["density"].to_numpy().argmax())
    return int(dense.sort_values(["coverage", "density"], ascending=False).index[0])


def find_box(design: pd.DataFrame, bad: pd.Series, min_density: float) -> tuple[Discovery, Figure]:
    """PRIM on the design's parameters; the chosen box and the trade-off figure."""
    x = design.set_index("point").loc[bad.index].astype(float)
    logging.getLogger("prim").setLevel(logging.WARNING)
    box = prim.Prim(x.reset_index(drop=True), bad.to_numpy(dtype=bool), threshold=0.5).find_box()
    raw = box.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "step": raw.index,
            "coverage": raw["coverage"],
            "density": raw["density"],
            "mass": raw["mass"],
            "restricted": raw["res dim"].astype(int),
        }
    )
    chosen = _choose(trajectory, min_density)
    box.select(chosen)
    limits = box.limits
    rows = []
    for name in x.columns:
        restricted = name in limits.index
        low = float(limits.loc[name, "min"]) if restricted else float(x[name].min())
        high = float(limits.loc[name, "max"]) if restricted else float(x[name].max())
        rows.append({"parameter": name, "low": low, "high": high, "restricted": restricted})
    found = Discovery(pd.DataFrame(rows), trajectory, chosen, int(bad.sum()), len(bad), "", [])
    return found, tradeoff_plot(trajectory, chosen)


def tradeoff_plot(trajectory: pd.DataFrame, chosen: int) -> Figure:
    """Density against coverage along the peeling trajectory, the reported box circled."""
    figure = Figure(figsize=(6.4, 4.8), layout="constrained")
    ax = figure.subplots()
    points = ax.scatter(
        trajectory["coverage"], trajectory["density"], c=trajectory["restricted"], cmap="viridis"
    )
    row = trajectory.loc[chosen]
    ax.scatter([row["coverage"]], [row["density"]], s=180, facecolors="none", edgecolors="red")
    ax.annotate(
        f"reported box (step {chosen})",
        (row["coverage"], row["density"]),
        textcoords="offset points",
        xytext=(-10, -16),
        ha="right",
    )
    ax.set_xlabel("Coverage (share of bad points inside the box)")
    ax.set_ylabel("Density (share of the box's points that are bad)")
    ax.set_xlim(0, 1.05)
    ax.set_ylim(0, 1.05)
    ax.set_title("PRIM peeling trajectory: coverage against density")
    most = int(trajectory["restricted"].max())
    figure.colorbar(points, ax=ax, label="Parameters restricted", ticks=range(most + 1))
    return figure


def discover(
    directory: Path,
    metric: str,
    worse_than: str,
    variant: str | None = None,
    min_density: float = DEFAULT_DENSITY,
) -> Discovery:
    """Find and write the box of a sweep's parameter space where ``metric`` is bad.

    Raises:
        ResultsError: If the directory is not a finished sweep, the metric or variant is
            unknown, no point (or every point) is bad, or another process holds it.
    """
    with locked(RunDirectory(directory), "sim discover"):
        return _discover(RunDirectory(directory), metric, worse_than, variant, min_density)


def _discover(
    run_dir: RunDirectory, metric: str, worse_than: str, variant: str | None, min_density: float
) -> Discovery:
    """The body of ``discover``, with the directory locked."""
    directory = run_dir.path
    manifest = run_dir.manifest()
    if manifest.get("kind") != "sweep" or not (run_dir.path / "design.csv").is_file():
        raise ResultsError(f"{directory}: not a sweep results directory (no design.csv)")
    if metric not in OUTCOMES:
        raise ResultsError(f"--metric {metric!r}: unknown outcome")
    replications = run_dir.table("replications")
    design, units = _design(run_dir)
    chosen_variant = variant or str(manifest.get("baseline", "baseline"))
    bad, rule = bad_points(replications, metric, worse_than, chosen_variant)
    if not 0 < int(bad.sum()) < len(bad):
        many = "every" if bad.all() else "no"
        raise ResultsError(f"{many} point has {rule}: nothing to tell apart; choose another value")
    found, figure = find_box(design, bad.astype(bool), min_density)
    stats = found.trajectory.loc[found.chosen]
    table = found.box.assign(
        coverage=stats["coverage"], density=stats["density"], mass=stats["mass"], rule=rule
    )
    files = [run_dir.path / f"discovery_{metric}.csv", run_dir.path / f"peeling_{metric}.csv"]
    write_table(with_units(table, units), files[0])
    write_table(with_units(found.trajectory), files[1])
    files += save(figure, run_dir.path / f"discovery_{metric}")
    return Discovery(
        found.box, found.trajectory, found.chosen, found.bad, found.points, rule, files
    )


def _design(run_dir: RunDirectory) -> tuple[pd.DataFrame, dict[str, str]]:
    """The sweep's points (``point`` first, plain names) and the parameters' units, as
    design.csv's headers carry them (none in a directory written before they did)."""
    stored = pd.read_csv(run_dir.path / "design.csv")
    design = without_units(stored)
    return design[["point", *[c for c in design.columns if c != "point"]]], header_units(stored)


def describe(found: Discovery) -> list[str]:
    """The box in words, one line per restricted parameter, then its quality."""
    stats = found.trajectory.loc[found.chosen]
    lines = [f"{found.bad} of {found.points} points have {found.rule}; PRIM's box:"]
    for row in found.box[found.box["restricted"]].itertuples(index=False):
        lines.append(f"  {row.parameter} in [{row.low:.4g}, {row.high:.4g}]")
    if not found.box["restricted"].any():
        lines.append("  (no parameter restricted: bad points are spread everywhere)")
    lines.append(
        f"coverage {stats['coverage']:.0%} (of the bad points, inside the box), density "
        f"{stats['density']:.0%} (of the box's points, bad), mass {stats['mass']:.0%} of the "
        f"points; step {found.chosen} of {len(found.trajectory) - 1} of the peeling trajectory"
    )
    return lines
