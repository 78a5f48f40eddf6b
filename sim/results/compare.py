"""The comparison of two results directories (``sim compare``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.errors import ResultsError
from sim.results import analysis, measures, plots
from sim.results.directory import RunDirectory
from sim.results.figures import headline_metrics
from sim.results.tableio import write_table
from sim.scenario.yamlio import unknown_message

SHOWN_DIFFERENCES = 5  # input differences listed in a message; the rest are counted


@dataclass(frozen=True)
class DirectoryComparison:
    """Differences between two results directories (second minus first)."""

    table: pd.DataFrame
    files: list[Path]
    paired: bool
    differences: list[str] = field(default_factory=list)  # inputs that differ, beyond variants


def differences(old: Any, new: Any, where: str = "") -> Iterator[str]:
    """Dotted path and both values of every difference between two plain documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            inner = f"{where}.{key}" if where else str(key)
            if key not in old or key not in new:
                yield f"{inner} only in {'B' if key not in old else 'A'}"
            else:
                yield from differences(old[key], new[key], inner)
    elif old != new:
        yield f"{where or 'value'}: {old!r} in A, {new!r} in B"


def input_differences(a: RunDirectory, b: RunDirectory) -> list[str]:
    """Inputs of two directories that differ, other than their variants and run labels."""

    def inputs(run_dir: RunDirectory) -> Any:
        identity = run_dir.manifest().get("identity")
        if not isinstance(identity, dict):
            return {}
        scenario = dict(identity.get("scenario") or {})
        scenario.pop("variants", None)
        if isinstance(scenario.get("run"), dict):
            scenario["run"] = {k: v for k, v in scenario["run"].items() if k != "baseline"}
        return {**identity, "scenario": scenario}

    return list(differences(inputs(a), inputs(b)))


def _check_inputs(a: RunDirectory, b: RunDirectory, force: bool) -> list[str]:
    """The input differences; refused unless ``force`` (then the caller shows them)."""
    found = input_differences(a, b)
    if found and not force:
        shown = "; ".join(found[:SHOWN_DIFFERENCES])
        more = len(found) - SHOWN_DIFFERENCES
        extra = f"; and {more} more" if more > 0 else ""
        raise ResultsError(
            f"{a.path} and {b.path} differ in more than their variants ({shown}{extra}); "
            "add --force to compare them anyway"
        )
    return found


def _check_metrics(metrics: list[str] | None, table: pd.DataFrame) -> None:
    known = analysis.metric_columns(table)
    for metric in metrics or []:
        if metric not in known:
            raise ResultsError(
                unknown_message(f"--metric {metric!r}: no such outcome", metric, known)
            )


def _check_versions(a: RunDirectory, b: RunDirectory) -> None:
    """Refuse directories of two model versions: their differences would be the code's."""
    versions = (a.manifest().get("model_version"), b.manifest().get("model_version"))
    if versions[0] != versions[1]:
        raise ResultsError(
            f"{a.path} is model version {versions[0]}, {b.path} is {versions[1]} "
            f"(this is {__version__}); compare results of one model version"
        )


def _target(out: Path | None, b: RunDirectory) -> Path:
    """Where compare.csv and the plot go: ``out``, or B; created, refused if it is a file."""
    target = Path(out) if out is not None else b.path
    if target.exists() and not target.is_dir():
        raise ResultsError(f"{target}: --out is a file; expected a directory")
    target.mkdir(parents=True, exist_ok=True)
    return target


def _write(
    table: pd.DataFrame, target: Path, metrics: list[str] | None, title: str, svg: bool
) -> list[Path]:
    """compare.csv (with units) and the forest plot of ``metrics`` (default: the headline
    ones, so that the plot stays readable); the files written."""
    write_table(measures.with_units(table), target / "compare.csv")
    shown = metrics or headline_metrics(list(dict.fromkeys(table["metric"])))
    figure = plots.forest_plot(table, metrics=shown, units=measures.units(), title=title)
    return [target / "compare.csv", *plots.save(figure, target / "compare", svg=svg)]


def compare_directories(
    first: Path,
    second: Path,
    out: Path | None = None,
    metrics: list[str] | None = None,
    *,
    svg: bool = False,
    force: bool = False,
) -> DirectoryComparison:
    """Each outcome of ``second`` minus ``first``, per variant found in both.

    Paired by (point, replication) when both hold the same seeds (common random
    numbers); otherwise Welch's unequal-variance t interval. Writes
    ``compare.csv`` and a forest plot ``compare.png`` (and ``.svg`` with ``svg``)
    into ``out`` (default: ``second``).

    Raises:
        ResultsError: If the directories come from different model versions, share no
            variant, differ in inputs other than their variants (unless ``force``), or
            ``metrics`` names an unknown outcome.
    """
    a, b = RunDirectory(first), RunDirectory(second)
    _check_versions(a, b)
    found = _check_inputs(a, b, force)
    ra, rb = a.table("replications"), b.table("replications")
    _check_metrics(metrics, ra)
    table = analysis.compare_runs(ra, rb, first.name or str(first), metrics)
    if table.empty:
        raise ResultsError(
            f"{first} and {second} share no variant (they hold {sorted(set(ra['variant']))} and "
            f"{sorted(set(rb['variant']))})"
        )
    paired = bool((table["method"] == "paired").all())
    how = "paired by replication" if paired else "Welch t interval"
    title = f"{second.name} minus {first.name}, per variant ({how}, 95% CI)"
    files = _write(table, _target(out, b), metrics, title, svg)
    return DirectoryComparison(table, files, paired, found)
