"""`sim select` and `sim discover`: which variant is best, and where in a sweep it fails."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sim.cli.common import directory_for, guarded, with_progress
from sim.cli.options import OutDir, Resume, ScenarioArg, Seed, Workers, available_cores
from sim.cli.render import console
from sim.defaults import DEFAULT_DENSITY, DEFAULT_INDIFFERENCE
from sim.scenario.shipped import resolve

if TYPE_CHECKING:
    from rich.table import Table


def select_best(
    scenario: ScenarioArg,
    metric: Annotated[str, typer.Option(help="Outcome to select the best variant by")],
    indifference: Annotated[
        float | None,
        typer.Option(
            help="Smallest difference worth finding, in the outcome's unit "
            f"(default: {DEFAULT_INDIFFERENCE:.0%} of the baseline's first-stage mean)"
        ),
    ] = None,
    pcs: Annotated[float, typer.Option(help="Probability of correct selection")] = 0.95,
    first_stage: Annotated[int, typer.Option(help="Replications of every variant first")] = 10,
    max_replications: Annotated[int, typer.Option(help="Cap per variant", min=2)] = 200,
    seed: Seed = None,
    workers: Workers = available_cores(),
    out: OutDir = None,
    resume: Resume = False,
) -> None:
    """Select the best variant (KN++) with a guaranteed probability of correct selection."""
    from sim.experiments.execution import Execution
    from sim.scenario.loading import load_scenario
    from sim.workflow.select import SelectionGoal, select_variant, selection_sentence

    overrides: dict[str, Any] = {} if seed is None else {"run.seed": seed}
    loaded = guarded(lambda: load_scenario(resolve(scenario), overrides))
    goal = guarded(
        lambda: SelectionGoal(metric, indifference, pcs, first_stage, max_replications, 2 * workers)
    )
    directory = guarded(lambda: directory_for(out, resume, f"{loaded.name}-select"))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = with_progress(
        directory,
        f"{loaded.name}: selection",
        lambda bar: select_variant(
            loaded, directory, goal, execution=Execution(workers), command=command, progress=bar
        ),
    )
    console.print(_selection_table(report.table, metric))
    console.print(selection_sentence(report, metric), soft_wrap=True)
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)


def _selection_table(frame: Any, metric: str) -> Table:
    """Replications spent, mean and fate of each variant in a selection."""
    from rich.table import Table

    table = Table(title=f"Selection by {metric} (KN++)")
    columns = ("variant", "replications", "mean", "minus selected (paired)", "eliminated after")
    for column in columns:
        table.add_column(column, justify="left" if column == "variant" else "right")
    for row in frame.itertuples(index=False):
        fate = "selected" if row.selected else (
            "survived" if row.eliminated_at != row.eliminated_at else f"{int(row.eliminated_at)}"
        )
        cells = (f"{row.mean:,.1f}", f"{row.minus_selected:+,.1f}")
        table.add_row(str(row.variant), str(row.replications), *cells, fate)
    return table


def discover(
    directory: Annotated[Path, typer.Argument(help="Sweep results directory")],
    metric: Annotated[str, typer.Option(help="Outcome that is bad")],
    worse_than: Annotated[
        str,
        typer.Option(
            help="A value in the outcome's unit, or another variant of the sweep: a point is "
            "bad when its mean is worse (by the outcome's direction)"
        ),
    ],
    variant: Annotated[
        str | None, typer.Option(help="Variant judged (default: the sweep's baseline)")
    ] = None,
    min_density: Annotated[
        float,
        typer.Option(help="Report the widest box at least this dense (share of bad points)"),
    ] = DEFAULT_DENSITY,
) -> None:
    """Find where in a sweep's parameter space the outcome is bad (PRIM scenario discovery)."""
    from sim.results.discovery import describe
    from sim.results.discovery import discover as find_bad_box

    found = guarded(lambda: find_bad_box(directory, metric, worse_than, variant, min_density))
    for line in describe(found):
        console.print(line, soft_wrap=True)
    console.print(f"written: {', '.join(str(f) for f in found.files)}", soft_wrap=True)
