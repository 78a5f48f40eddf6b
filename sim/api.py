"""The Python API: run a scenario from a notebook and get its tables as DataFrames.

    import sim
    result = sim.run("reform_2015", replications=20)
    result.comparison          # each variant minus the baseline, paired, 95% CI
    result.report()            # the path of report.html

``sim.run`` is ``sim run`` as a function: the same results directory, the same
numbers. ``sim.load(directory)`` reads any finished results directory into the
same object. Tables are read from the directory when first asked for, so a
large run costs nothing until its monthly series are wanted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ResultsError
from sim.experiments.execution import Execution
from sim.results.directory import RunDirectory
from sim.results.naming import default_directory
from sim.results.report import REPORT_FILE, write_report
from sim.scenario.loading import load_scenario
from sim.scenario.shipped import resolve
from sim.workflow.run import run_scenario


@dataclass
class Result:
    """A finished results directory, with its tables as DataFrames (read on first use)."""

    directory: Path
    _cache: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    def _csv(self, name: str) -> pd.DataFrame | None:
        if name not in self._cache:
            path = self.directory / name
            self._cache[name] = pd.read_csv(path) if path.exists() else None
        return self._cache[name]

    def _parquet(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = RunDirectory(self.directory).table(name)
        table = self._cache[name]
        assert table is not None  # table() raises rather than return nothing
        return table

    @property
    def summary(self) -> pd.DataFrame:
        """Per variant and outcome: mean, 95% CI, sd, n (``summary.csv``)."""
        table = self._csv("summary.csv")
        if table is None:
            raise ResultsError(f"{self.directory}: no summary.csv (a sweep? see points.parquet)")
        return table

    @property
    def comparison(self) -> pd.DataFrame | None:
        """Each variant minus the baseline, paired by replication; None without variants."""
        return self._csv("comparison.csv")

    @property
    def replications(self) -> pd.DataFrame:
        """One row per variant, point and replication: seed and every outcome."""
        return self._parquet("replications")

    @property
    def monthly(self) -> pd.DataFrame:
        """Monthly counts by true and judged grade and status, per replication."""
        return self._parquet("monthly")

    @property
    def councils(self) -> pd.DataFrame:
        """Per variant, replication and council: months inadequate, inspections, grades."""
        return self._parquet("councils")

    @property
    def manifest(self) -> dict[str, Any]:
        """Provenance: versions, seed, command, timings."""
        return RunDirectory(self.directory).manifest()

    def report(self) -> Path:
        """The path of ``report.html`` (written now if the directory has none)."""
        path = self.directory / REPORT_FILE
        return path if path.exists() else write_report(self.directory)


def load(directory: str | Path) -> Result:
    """Read a finished results directory (of ``sim run`` or ``sim.run``).

    Raises:
        ResultsError: If it is not a results directory.
    """
    path = Path(directory)
    RunDirectory(path).manifest()  # refuses a directory that is not one
    return Result(path)


def run(
    scenario: str | Path = "reform_2015",
    replications: int | None = None,
    *,
    seed: int | None = None,
    overrides: dict[str, Any] | None = None,
    out: str | Path | None = None,
    workers: int = 1,
    plots: bool = True,
    **settings: Any,
) -> Result:
    """Run a scenario's variants and replications; return its results.

    Args:
        scenario: A shipped scenario's name (``"reform_2015"``) or a YAML file's path.
        replications: Replications per variant (default: the scenario's).
        seed: Root seed (default: the scenario's).
        overrides: Dotted-path settings, e.g. ``{"policy.regime.deadline_months": 3}``.
        out: Results directory (default: ``results/<name>/<timestamp>`` under the
            working directory); an existing one of the same inputs is continued.
        workers: Worker processes (the numbers do not depend on it).
        plots: Draw the plots (PNG and SVG) and embed them in the report.
        **settings: More overrides as keywords, ``__`` for the dots:
            ``policy__regime__deadline_months=3``.

    Raises:
        SimError: For a scenario or override that does not validate (located).
    """
    loaded = load_scenario(resolve(scenario), _changes(overrides, settings, replications, seed))
    directory = Path(out) if out is not None else default_directory(Path("results"), loaded.name)
    command = f"sim.run({str(scenario)!r}, replications={replications!r}, ...)"
    run_scenario(
        loaded, directory, execution=Execution(workers=workers), command=command, plots=plots
    )
    return Result(directory)


def _changes(
    overrides: dict[str, Any] | None,
    settings: dict[str, Any],
    replications: int | None,
    seed: int | None,
) -> dict[str, Any]:
    """Every override of ``run``, in the order applied: ``overrides``, then the keywords
    (``__`` for the dots), then the replications and the seed given by name."""
    changes = dict(overrides or {})
    changes.update({key.replace("__", "."): value for key, value in settings.items()})
    if replications is not None:
        changes["run.replications"] = replications
    if seed is not None:
        changes["run.seed"] = seed
    return changes
