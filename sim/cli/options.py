"""The command line's shared options: ``Annotated`` aliases defined once, and their enums.

Each typer command in ``sim.cli.app`` takes these, so an option reads and behaves
the same wherever it appears. The options `sim run` and `sim sweep` share are one
``RunOptions`` group: ``grouped`` spreads it into a command's signature.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
import os
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sim.defaults import MAX_SEED
from sim.workflow.precision import DEFAULT_CAP, DEFAULT_METRIC

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
Precision = Annotated[
    float | None,
    typer.Option(
        help="Add replications until each --metric's 95% CI half-width is within this "
        "fraction of its mean (of the paired difference when there are variants)"
    ),
]
Absolute = Annotated[
    bool,
    typer.Option(
        help="--precision is a half-width in each --metric's own unit (e.g. 1000 "
        "child-years), not a fraction of its mean; for effects near zero"
    ),
]
MaxReplications = Annotated[
    int | None, typer.Option(help=f"Cap for --precision (default: {DEFAULT_CAP})", min=2)
]
AllMetrics = Annotated[bool, typer.Option(help="Print every outcome, not only the headline ones")]


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity): the default number of workers."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class RunOptions:
    """Where a run or sweep executes and what it writes: the options `sim run` and
    `sim sweep` share, declared once (each field's annotation is its typer option)."""

    workers: Workers = available_cores()  # noqa: RUF009 (once, at import: the shown default)
    executor: ExecutorOpt = None
    scheduler: Scheduler = None
    chunk: Chunk = None
    out: OutDir = None
    resume: Resume = False
    trace: Trace = False
    plots: Plots = True
    svg: Svg = False


def grouped(command: Callable[..., None]) -> Callable[..., None]:
    """``command`` with its ``RunOptions`` parameter spread into one option per field.

    typer reads a command's options from its signature, one parameter each. The wrapper's
    signature has the group's fields where the command has its ``RunOptions`` parameter
    (so ``--help`` lists them in that place), and it hands them to the command as one
    ``RunOptions``: the commands sharing the group cannot drift apart.
    """
    signature = inspect.signature(command, eval_str=True)
    name = next(p.name for p in signature.parameters.values() if p.annotation is RunOptions)
    hints = typing.get_type_hints(RunOptions, include_extras=True)
    fields = [f.name for f in dataclasses.fields(RunOptions)]
    kind = signature.parameters[name].kind
    spread = [
        inspect.Parameter(f, kind, default=getattr(RunOptions, f), annotation=hints[f])
        for f in fields
    ]
    parameters = []
    for parameter in signature.parameters.values():
        parameters.extend(spread if parameter.name == name else [parameter])

    @functools.wraps(command)
    def wrapper(**given: Any) -> None:
        options = RunOptions(**{f: given.pop(f) for f in fields})
        command(**given, **{name: options})

    wrapper.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return wrapper
