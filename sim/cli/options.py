"""The command line's shared options: ``Annotated`` aliases defined once, and their enums.

Each typer command in ``sim.cli.app`` takes these, so an option reads and behaves
the same wherever it appears.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path
from typing import Annotated

import typer

from sim.defaults import MAX_SEED
from sim.workflow.precision import DEFAULT_METRIC

ScenarioArg = Annotated[
    Path,
    typer.Argument(help="Scenario YAML file, or a shipped scenario's name (sim scenarios)"),
]
Replications = Annotated[int | None, typer.Option(help="Replications per variant", min=1)]
Seed = Annotated[
    int | None, typer.Option(help="Root seed (overrides run.seed)", min=0, max=MAX_SEED)
]
Horizon = Annotated[
    float | None, typer.Option(help="Simulated months (overrides run.horizon_months)")
]
Workers = Annotated[
    int,
    typer.Option(
        help="Worker processes, or LocalCluster workers for Dask (default: the cores this "
        "process may use)",
        min=1,
        show_default=False,
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Results directory; an existing one of the same inputs is continued "
        "(default: results/<name>/<timestamp>)",
    ),
]
Settings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="A one-off override PATH=VALUE (VALUE read as YAML), e.g. "
        "--set policy.regime.deadline_months=3; repeat for more",
    ),
]
Workbook = Annotated[
    bool, typer.Option("--xlsx", help="Also write results.xlsx (summary, comparison, councils)")
]
Trace = Annotated[bool, typer.Option(help="Also store the full event log (events.parquet)")]
Plots = Annotated[bool, typer.Option(help="Draw the plots (PNG); later: sim plot DIR")]
Svg = Annotated[bool, typer.Option(help="Also save every plot as SVG (doubles the plotting time)")]


class OutputFormat(enum.StrEnum):
    """How results are printed: rich tables, or text for other tools."""

    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", help="table (for reading), or csv, json, markdown (for tools)"),
]


class ExecutorName(enum.StrEnum):
    """Where tasks run (the numbers are the same either way)."""

    process = "process"
    dask = "dask"


ExecutorOpt = Annotated[
    ExecutorName | None,
    typer.Option(
        help="process: a local pool of --workers; dask: a Dask distributed cluster "
        "(default: process, or dask with --scheduler)"
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (implies --executor dask); "
        "without it, --executor dask starts a LocalCluster of --workers"
    ),
]
Chunk = Annotated[
    int | None,
    typer.Option(min=1, help="Replications per task sent to a worker (default: from the load)"),
]
Resume = Annotated[
    bool,
    typer.Option(help="Continue the latest results directory of this name (or --out)"),
]
Metrics = Annotated[
    list[str] | None,
    typer.Option("--metric", help=f"Outcome to reach the precision on (default: {DEFAULT_METRIC})"),
]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity): the default number of workers."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
