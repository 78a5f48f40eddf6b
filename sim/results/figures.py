"""Every plot of a results directory: the one place that decides which figures it gets.

``plan`` is the one place that decides which figures a directory gets, as a list of
small picklable jobs, and ``draw`` draws one job from the stored tables, so ``sim run``,
``sim sweep`` and ``sim plot DIR`` draw the same ones (``sim.results.drawing`` draws,
``sim.results.plots`` and ``charts`` lay out):

- runs: a fan chart of each headline monthly series per variant (``<series>.png``);
- runs and sweeps with variants: a forest plot of paired differences from the
  baseline (``comparison.png``);
- sweeps: response curves of each metric against each parameter
  (``response_<metric>.png``) and, for LHS and Sobol designs, sensitivity bars
  (``sensitivity_<metric>.png``); with variants, one of each per variant
  (``..._<metric>__<variant>.png``).

``write_plots`` draws the jobs one after another in this process; a run with a pool
of workers maps ``draw`` over the plan on its pool instead (``sim.workflow.run``): the
same files. Importing this module does not import matplotlib (``draw`` does, on the
first figure), so the parent of a pool never pays for it.

Units and labels come from the registry of measures (``sim.results.measures``) and
the scenario schema (each parameter's unit). Every figure is saved as PNG, and as
SVG when asked (``svg=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Literal

from sim.errors import ResultsError
from sim.results import measures
from sim.results.directory import RunDirectory
from sim.results.tableio import read_table

Kind = Literal["fans", "councils", "comparison", "comparison_all", "sweep"]


@dataclass(frozen=True)
class FigureJob:
    """One unit of a directory's plots, small and picklable (sent to a worker).

    Attributes:
        directory: The results directory.
        figure: Which figures: the fan charts, the councils' ranking, the forest plot
            (of the headline outcomes, or of all), or one metric's sweep plots.
        svg: Also write SVG.
        share: For fan charts: the part of the list of series this job draws (from, to:
            0 to 1), one figure reused for each in turn.
        metric: For sweeps: the metric whose response curves and sensitivity bars
            this job draws (every variant's).
    """

    directory: Path
    figure: Kind
    svg: bool = False
    share: tuple[float, float] = (0.0, 1.0)
    metric: str = ""


def headline_metrics(metrics: list[str]) -> list[str]:
    """Headline outcomes with a better direction (the policy targets), in registry order."""
    chosen = [m for m in measures.headline(metrics) if measures.better(m) != "neither"]
    return chosen or metrics


def write_plots(directory: Path, everything: bool = False, *, svg: bool = False) -> list[Path]:
    """Draw every plot that applies to a results directory; return the files written.

    The directory may have been damaged or written by someone else: a table that is
    missing, truncated or lacks a column, or a manifest without an entry, is reported as
    such, and no file is written outside the directory. With ``everything``, also
    ``comparison_all.png``, the forest plot of every outcome.

    Raises:
        ResultsError: If the directory or a table it needs is missing or damaged.
    """
    return [path for job in plan(directory, everything, svg=svg) for path in draw(job)]


def plan(
    directory: Path, everything: bool = False, *, svg: bool = False, parts: int = 1
) -> list[FigureJob]:
    """The jobs that draw a directory's plots, the costliest first (a pool starts them in
    this order): the fan charts in ``parts`` jobs (a worker each, when ``parts`` is the
    pool's size), then the forest plots, the councils, and a job per swept metric.

    With a comparison, the last fan job has half the others' share of the series: its
    worker, done first, draws the forest plot (about two fan charts' worth) meanwhile.

    Raises:
        ResultsError: If the directory or its manifest is missing or damaged.
    """
    manifest = RunDirectory(directory).manifest()
    kind = manifest.get("kind", "run")
    compared = (directory / "comparison.csv").exists()
    jobs: list[FigureJob] = []
    if kind == "run":
        jobs += [FigureJob(directory, "fans", svg, s) for s in _shares(parts, compared)]
    if compared:
        jobs.append(FigureJob(directory, "comparison", svg))
        if everything:
            jobs.append(FigureJob(directory, "comparison_all", svg))
    if kind == "run":
        jobs.append(FigureJob(directory, "councils", svg))
    if kind == "sweep":
        if not (directory / "points.parquet").exists():
            read_table(directory / "points.parquet")  # raises: located, before the manifest
        try:
            metrics = list(manifest["metrics"])
        except (KeyError, TypeError) as err:
            raise _damaged(directory, err) from None
        jobs += [FigureJob(directory, "sweep", svg, metric=m) for m in metrics]
    return jobs


def _shares(parts: int, lighter_last: bool) -> list[tuple[float, float]]:
    """``parts`` consecutive shares of 0 to 1, equal or with the last one half the others."""
    weights = [1.0] * parts
    if lighter_last and parts > 1:
        weights[-1] = 0.5
    edges = [sum(weights[:i]) / sum(weights) for i in range(parts + 1)]
    return list(pairwise(edges))


def draw(job: FigureJob) -> list[Path]:
    """Draw one job's figures from the stored tables; return the files written.

    Raises:
        ResultsError: If a table the job needs is missing or damaged (located, so that
            it reads the same whichever process drew the job).
    """
    from sim.results import drawing  # matplotlib: on the first figure a process draws

    run_dir = RunDirectory(job.directory)
    try:
        if job.figure == "fans":
            return drawing.fan_charts(run_dir, job.svg, job.share)
        if job.figure == "councils":
            return drawing.council_ranking(run_dir, job.svg)
        if job.figure == "sweep":
            return drawing.sweep_plots(run_dir, run_dir.manifest(), job.metric, job.svg)
        return _forest(run_dir, job.figure == "comparison_all", job.svg)
    except (KeyError, TypeError, IndexError) as err:
        raise _damaged(run_dir.path, err) from None


def _damaged(directory: Path, err: Exception) -> ResultsError:
    return ResultsError(
        f"{directory}: incomplete or damaged results (no {err} where expected); "
        "rebuild it by running again with --resume"
    )


def _forest(run_dir: RunDirectory, every: bool, svg: bool) -> list[Path]:
    """The headline forest plot (``comparison``), or every outcome's (``comparison_all``)."""
    from sim.results import drawing

    comparison = read_table(run_dir.path / "comparison.csv")
    kind = run_dir.manifest().get("kind", "run")
    baseline, n = comparison["baseline"].iloc[0], int(comparison["n"].max())
    pairs = "point and replication over the whole design" if kind == "sweep" else "replication"
    title = f"Each variant minus baseline '{baseline}', paired by {pairs}, n = {n}, 95% CI"
    if every:
        return drawing.forest_all(run_dir, comparison, title, svg)
    metrics = headline_metrics(list(dict.fromkeys(comparison["metric"])))
    count = comparison["variant"].nunique() * len(metrics)
    holm = any("holm" in c.lower() for c in comparison.columns)
    note = f"Up to {count} intervals, each at 95%: about 1 in 20 could exclude zero by chance" + (
        " (Holm-adjusted p-values in comparison.csv)." if holm else "; none is adjusted."
    )
    return drawing.forest(run_dir, comparison, metrics, (title, note), svg)
