"""`sim run` as a library call: plan, execute, store, summarise, plot.

The CLI parses arguments, calls ``run_scenario`` with a progress callback, and
renders what it returns. Every finished replication is on disk before the next
is counted, so an interrupted run loses nothing that was finished.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim import __version__, analysis, plots
from sim.experiment import Task, execute, plan
from sim.population import load_councils
from sim.results import RunDirectory
from sim.scenario import Scenario
from sim.timeline import variant_scenarios

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunReport:
    """What a finished run hands back to its caller."""

    directory: Path
    summary: pd.DataFrame
    comparison: pd.DataFrame | None
    seconds: float
    replications: int
    variants: list[str]
    derived: pd.DataFrame | None = None  # cross-variant figures (e.g. cost per child-year)


def manifest(scenario: Scenario, command: str, workers: int, tasks: list[Task]) -> dict:
    """Provenance of a run: enough to reproduce it."""
    return {
        "model_version": __version__,
        "scenario": scenario.name,
        "seed": scenario.run.seed,
        "replications": scenario.run.replications,
        "variants": list(dict.fromkeys(t.variant for t in tasks)),
        "baseline": scenario.run.baseline,
        "command": command,
        "workers": workers,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def run_scenario(
    scenario: Scenario,
    directory: Path,
    *,
    workers: int = 1,
    trace: bool = False,
    command: str = "",
    progress: Progress | None = None,
) -> RunReport:
    """Run every variant's replications into ``directory`` and write tables and plots."""
    began = time.perf_counter()
    scenarios = variant_scenarios(scenario)
    tasks = plan(scenarios, range(scenario.run.replications), scenario.run.seed)
    run_dir = RunDirectory(directory)
    info = manifest(scenario, command, workers, tasks)
    run_dir.create(scenario.model_dump(mode="json"), info)
    done = run_dir.finished()
    todo = [t for t in tasks if t.key not in done]
    if progress:
        progress(len(tasks) - len(todo), len(tasks))
    for output in execute(todo, scenarios, load_councils(), workers=workers, trace=trace):
        run_dir.write_part(output)
        if progress:
            progress(1, len(tasks))
    frames = run_dir.combine(tasks)
    summary = analysis.summarise(frames["replication"])
    summary.to_csv(run_dir.path / "summary.csv", index=False)
    comparison = derived = None
    if len(scenarios) > 1:
        comparison = analysis.compare(frames["replication"], scenario.run.baseline)
        comparison.to_csv(run_dir.path / "comparison.csv", index=False)
        derived = analysis.programme_value(frames["replication"])
        if derived.empty:
            derived = None
        else:
            derived.to_csv(run_dir.path / "derived.csv", index=False)
    plots.save(
        plots.fan_chart(
            frames["monthly"],
            "judged_inadequate",
            units={"judged_inadequate": "councils"},
            start=scenario.run.start,
        ),
        run_dir.path / "judged_inadequate",
    )
    plots.save(
        plots.fan_chart(
            frames["monthly"],
            "vacancy_rate",
            units={"vacancy_rate": "share of posts"},
            start=scenario.run.start,
        ),
        run_dir.path / "vacancy_rate",
    )
    seconds = time.perf_counter() - began
    run_dir.write_manifest(
        {
            **info,
            "seconds": round(seconds, 3),
            "seconds_per_replication": round(seconds / max(len(todo), 1), 4),
            "tasks": len(tasks),
            "tasks_run": len(todo),
        }
    )
    return RunReport(
        run_dir.path,
        summary,
        comparison,
        seconds,
        scenario.run.replications,
        list(scenarios),
        derived,
    )
