"""The `sim` command: parse, call one library function, render.

Errors the user can act on (``SimError``) are printed as one located message
and exit with status 1, never a traceback. The module level imports nothing heavier
than typer (tests/test_startup.py): each command imports the library it calls, so
``sim --help`` does not pay for pandas, scipy, matplotlib and the model.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.common import execution_for, guarded, launch, overrides_for, precision_target
from sim.cli.options import (
    Absolute,
    AllMetrics,
    ExecutorOpt,
    FormatOpt,
    Horizon,
    MaxReplications,
    Metrics,
    OutDir,
    OutputFormat,
    Plots,
    Precision,
    Replications,
    Resume,
    RunOptions,
    ScenarioArg,
    Scheduler,
    Seed,
    Settings,
    Svg,
    Workbook,
    Workers,
    available_cores,
    grouped,
)
from sim.cli.render import console, errors, render_report, render_sweep
from sim.cli.study import discover, select_best
from sim.scenario.shipped import default_scenario, resolve, shipped, summary_line

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate England's regime for failing children's services.",
)


def _version(show: bool) -> None:
    if show:
        from sim import __version__
        from sim.provenance import code_hash

        console.print(f"sim {__version__} (model code {code_hash()})", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit"
        ),
    ] = False,
) -> None:
    """Simulate England's regime for failing children's services."""


@app.command()
@grouped
def run(
    scenario: ScenarioArg = default_scenario(),
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    options: RunOptions = RunOptions(),
    precision: Precision = None,
    metric: Metrics = None,
    absolute: Absolute = False,
    max_replications: MaxReplications = None,
    all_metrics: AllMetrics = False,
    form: FormatOpt = OutputFormat.table,
    settings: Settings = None,
    xlsx: Workbook = False,
) -> None:
    """Run a scenario's variants and replications; write a results directory."""
    from sim.scenario.loading import load_scenario
    from sim.workflow.run import run_scenario

    given = {"run.seed": seed, "run.horizon_months": horizon}
    if precision is None:
        given["run.replications"] = replications
    overrides = overrides_for(settings, given)
    loaded = guarded(lambda: load_scenario(resolve(scenario), overrides))
    target = guarded(
        lambda: precision_target(precision, metric, max_replications, replications, absolute)
    )
    report = launch(options, loaded.name, xlsx, partial(run_scenario, loaded, precision=target))
    render_report(report, all_metrics, form)


@app.command()
def scenarios() -> None:
    """List the shipped scenarios and sweeps (run one by name: sim run reform_2015)."""
    for name, file in shipped().items():
        console.print(f"[bold]{name}[/]  {summary_line(file)}", soft_wrap=True)
        console.print(f"  {file}", style="dim", soft_wrap=True, highlight=False)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file (schema, variants, timeline) without running it."""
    from sim.scenario.loading import load_scenario

    loaded = guarded(lambda: load_scenario(resolve(scenario)))
    console.print(
        f"{scenario}: valid ({len(loaded.variants)} variants, "
        f"{len(loaded.timeline)} timeline entries)",
        soft_wrap=True,
    )


@app.command()
def params(
    scenario: ScenarioArg = default_scenario(),
    kind: Annotated[
        list[str] | None,
        typer.Option(help="Only inputs of this kind: setting, fact, assumption, fitted, lever"),
    ] = None,
    prefix: Annotated[
        str | None, typer.Option(help="Only inputs under this dotted path, e.g. policy.regime")
    ] = None,
    form: FormatOpt = OutputFormat.table,
) -> None:
    """List every input with its value, unit, kind (fact, assumption, lever) and source.

    Assumptions that calibration may fit are marked "(calibrate)".
    """
    from sim.cli import tables
    from sim.results import long
    from sim.scenario.loading import load_scenario

    loaded = guarded(lambda: load_scenario(resolve(scenario)))
    rows = guarded(lambda: long.parameter_frame(loaded, kind, prefix))
    if form is not OutputFormat.table:
        console.out(long.write(rows, form.value), highlight=False)  # type: ignore[arg-type]
        return
    for table in tables.parameter_sections(rows, loaded.name):
        console.print(table)


@app.command()
@grouped
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file")],
    options: RunOptions,
    check: Annotated[bool, typer.Option(help="Only check the sweep; run nothing")] = False,
    settings: Settings = None,
    xlsx: Workbook = False,
) -> None:
    """Run a parameter sweep (grid, LHS or Sobol): points, sensitivity, plots."""
    from sim.experiments.sweep_file import load_sweep
    from sim.workflow.sweep import run_sweep

    overrides = overrides_for(settings, {})
    loaded = guarded(lambda: load_sweep(resolve(sweep_file), overrides))
    size = len(loaded.points) * loaded.spec.replications * len(loaded.variants)
    shape = (
        f"{len(loaded.points)} points x {loaded.spec.replications} replications x "
        f"{len(loaded.variants)} variants = {size} replications"
    )
    if check:
        console.print(f"{sweep_file}: valid ({shape})", soft_wrap=True)
        return
    report = launch(options, loaded.name, xlsx, partial(run_sweep, loaded))
    console.print(f"sweep {report.name}: {shape}", soft_wrap=True)
    render_sweep(report)


@app.command()
def plot(
    directory: Annotated[Path, typer.Argument(help="Results directory")], svg: Svg = False
) -> None:
    """Draw every plot of a run or sweep results directory again (PNG; SVG with --svg)."""
    from sim.results.figures import write_plots

    files = guarded(lambda: write_plots(directory, svg=svg))
    names = sorted({f.stem for f in files})
    kinds = ".png and .svg" if svg else ".png"
    console.print(f"{directory}: {len(files)} files ({', '.join(names)}; {kinds})", soft_wrap=True)


@app.command()
def report(directory: Annotated[Path, typer.Argument(help="Results directory")]) -> None:
    """Write report.html: one self-contained page of the run (plots embedded)."""
    from sim.results.report import ensure_finished, write_report

    def build() -> Path:
        ensure_finished(directory)
        return write_report(directory)

    console.print(f"written: {guarded(build)}", soft_wrap=True)


@app.command()
def explain(
    directory: Annotated[Path, typer.Argument(help="Results directory of a --trace run")],
    council: Annotated[str, typer.Argument(help="Council name, e.g. Cumbria")],
    variant: Annotated[str | None, typer.Option(help="Variant (default: the baseline)")] = None,
    replication: Annotated[int, typer.Option(help="Replication", min=0)] = 0,
) -> None:
    """Tell one council's story in a traced run: every judgement, review and decision."""
    from sim.results.explain import story as explain_story

    lines = guarded(lambda: explain_story(directory, council, variant, replication))
    console.print(f"[bold]{council}[/]", highlight=False)
    for line in lines:
        console.print(f"  {line}", highlight=False, soft_wrap=False)


@app.command()
def compare(
    first: Annotated[Path, typer.Argument(help="Results directory A (the reference)")],
    second: Annotated[Path, typer.Argument(help="Results directory B")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write compare.csv/.png (default: B)")
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Outcomes to compare (default: all)")
    ] = None,
    form: FormatOpt = OutputFormat.table,
    svg: Svg = False,
    force: Annotated[
        bool, typer.Option(help="Compare even when more than the variants' inputs differ")
    ] = False,
) -> None:
    """Compare two results directories of one model version: B minus A, per variant."""
    from sim.cli import tables
    from sim.results import long
    from sim.results.compare import compare_directories

    result = guarded(lambda: compare_directories(first, second, out, metric, svg=svg, force=force))
    for difference in result.differences:
        errors.print(f"inputs differ: {difference}", soft_wrap=True, highlight=False)
    if form is not OutputFormat.table:
        console.out(long.write(result.table, form.value), highlight=False)  # type: ignore[arg-type]
        return
    for table in tables.directories(result, first.name, second.name):
        console.print(table)
    console.print(f"written: {', '.join(str(f) for f in result.files)}", soft_wrap=True)


@app.command()
def calibrate(
    spec: Annotated[Path, typer.Argument(help="Calibration spec YAML (calibration/spec.yaml)")],
    workers: Workers = available_cores(),
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    out: OutDir = None,
    resume: Resume = False,
    population: Annotated[
        int | None, typer.Option(help="Particles per generation (overrides budget.population)")
    ] = None,
    generations: Annotated[
        int | None, typer.Option(help="Most generations (overrides budget.generations)")
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(help="Most parameter vectors evaluated (overrides budget.max_evaluations)"),
    ] = None,
    replications: Replications = None,
    plots: Plots = True,
) -> None:
    """Fit the spec's parameters to its targets (ABC-SMC); write the posterior and fitted.yaml."""
    from sim.cli.calibrate import run_calibrate  # lazy: plain runs do not import pyABC

    settings = {
        "budget.population": population,
        "budget.generations": generations,
        "budget.max_evaluations": budget,
        "replications": replications,
    }
    overrides = {k: v for k, v in settings.items() if v is not None}
    run_calibrate(
        spec, overrides, lambda: execution_for(workers, executor, scheduler, None, False), out,
        resume, plots, guarded, console, errors,
    )


app.command(name="select")(select_best)
app.command()(discover)


def main() -> None:
    """Console-script entry point."""
    app()
