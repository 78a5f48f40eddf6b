"""The comparison of two results directories (``sim compare``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import __version__
from sim.errors import ResultsError
from sim.results import analysis, measures, plots
from sim.results.directory import RunDirectory, write_table
from sim.results.figures import headline_metrics


@dataclass(frozen=True)
class DirectoryComparison:
    """Differences between two results directories (second minus first)."""

    table: pd.DataFrame
    files: list[Path]
    paired: bool


def compare_directories(
    first: Path,
    second: Path,
    out: Path | None = None,
    metrics: list[str] | None = None,
    *,
    svg: bool = False,
) -> DirectoryComparison:
    """Each outcome of ``second`` minus ``first``, per variant found in both.

    Paired by (point, replication) when both hold the same seeds (common random
    numbers); otherwise Welch's unequal-variance t interval. Writes
    ``compare.csv`` and a forest plot ``compare.png`` (and ``.svg`` with ``svg``)
    into ``out`` (default: ``second``).

    Raises:
        ResultsError: If the directories come from different model versions or share
            no variant.
    """
    a, b = RunDirectory(first), RunDirectory(second)
    versions = (a.manifest().get("model_version"), b.manifest().get("model_version"))
    if versions[0] != versions[1]:
        raise ResultsError(
            f"{first} is model version {versions[0]}, {second} is {versions[1]} "
            f"(this is {__version__}); compare results of one model version"
        )
    ra, rb = a.table("replications"), b.table("replications")
    table = analysis.compare_runs(ra, rb, first.name or str(first), metrics)
    if table.empty:
        raise ResultsError(
            f"{first} and {second} share no variant (they hold {sorted(set(ra['variant']))} and "
            f"{sorted(set(rb['variant']))})"
        )
    target = Path(out) if out is not None else b.path
    target.mkdir(parents=True, exist_ok=True)
    write_table(table, target / "compare.csv")
    paired = bool((table["method"] == "paired").all())
    how = "paired by replication" if paired else "Welch t interval"
    title = f"{second.name} minus {first.name}, per variant ({how}, 95% CI)"
    shown = metrics or headline_metrics(list(dict.fromkeys(table["metric"])))
    figure = plots.forest_plot(table, metrics=shown, units=measures.units(), title=title)
    files = [target / "compare.csv", *plots.save(figure, target / "compare", svg=svg)]
    return DirectoryComparison(table, files, paired)
