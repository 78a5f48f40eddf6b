"""Print what the plots of a small run cost, as a share of the model's CPU for that run.

Usage: python benchmarks/plot_cost.py [SCENARIO] [--replications 8] [--rounds 3]
       [--revision REV] [--pool [--workers 2]]

``sim run SCENARIO --replications N --no-plots`` writes a small run's results directory
once (reform_2015 with 8 replications: 9 variants, 72 tasks). Then, round by round:
the model runs one replication of every variant in this process (CPU; times N gives
the model's CPU for the run's tasks), and a fresh interpreter draws the run's plots
from the stored tables as ``sim run`` does at its end, timing (CPU) the import of the
plotting modules (matplotlib with them; pandas and the results layer come first, as the
run has them already), each figure (from the end of the last one to its file written;
the first includes reading the tables) and ``report.html`` with the figures embedded.
With ``--revision``, REV's plotting code (``git archive``) draws from the same tables in
the same rounds, the order swapped every round. Goal (issue 10): plots <= 5% of the
model's CPU for a small run.

With ``--pool``, wall time instead, as the user waits for it: each round runs ``sim run
SCENARIO --replications N --workers W`` whole in a fresh interpreter (each tree's in
turn with ``--revision``), timing the model (the run's tasks on the pool, from the
first task sent to the last stored), the plotting step (``close_directory`` to the
report: drawn on the run's pool where the tree does so), the report, and the whole
process; the plots' wall time is printed as a share of the model's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve, variant_scenarios

REPO = Path(__file__).resolve().parent.parent

# What each plotting interpreter runs: the results layer first, then the timed steps.
PLOTTER = """
import json, sys, time
from pathlib import Path
import pandas, sim.results.report, sim.results.tableio, sim.scenario.schema
began = time.process_time()
import sim.results.figures, sim.results.plots as plots
spent = {"import": time.process_time() - began}
figures = {}
mark = [time.process_time()]
original = plots.save
def save(figure, path, **options):
    written = original(figure, path, **options)
    figures[Path(path).name] = time.process_time() - mark[0]
    mark[0] = time.process_time()
    return written
plots.save = save
sim.results.figures.write_plots(Path(sys.argv[1]))
began = time.process_time()
sim.results.report.write_report(Path(sys.argv[1]))
spent["report"] = time.process_time() - began
print(json.dumps({"figures": figures, **spent}))
"""


# What each timed run's interpreter runs: `sim run ...` (argv), stamping each step's start.
RUNNER = """
import json, sys, time
began = time.perf_counter()
import sim.workflow.run as run
from sim.cli.app import main
marks = {}
def stamped(name, function):
    def call(*args, **kwargs):
        marks.setdefault(name, time.perf_counter())
        result = function(*args, **kwargs)
        marks[name + " end"] = time.perf_counter()
        return result
    return call
run.fill = stamped("model", run.fill)
run.close_directory = stamped("plots", run.close_directory)
run.write_report = stamped("report", run.write_report)
sys.argv = ["sim", "run", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
ended = time.perf_counter()
spent = {name: marks[name + " end"] - marks[name] for name in ("model", "report")}
spent["plots"] = marks["report"] - marks["plots"]  # the plots and timings.json
spent["run"] = ended - began
print(json.dumps(spent))
"""


def timed_run(root: Path, scenario: str, replications: int, workers: int, out: Path) -> dict:
    """One whole ``sim run`` of the tree at ``root`` in a fresh interpreter: the wall
    seconds of its model, plots and report (``RUNNER``) and of the process."""
    shutil.rmtree(out, ignore_errors=True)
    arguments = [scenario, "--replications", str(replications), "--workers", str(workers)]
    began = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *arguments, "--out", str(out)],
        cwd=root,
        check=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
    )
    spent = dict(json.loads(result.stdout.splitlines()[-1]))
    return {**spent, "process": time.perf_counter() - began}


def pool_rounds(args: argparse.Namespace, scenario: str, trees: dict[str, Path], out: Path) -> None:
    """``--pool``: whole runs of each tree, alternated, and their wall times by step."""
    results: dict[str, list[dict]] = {name: [] for name in trees}
    for r in range(args.rounds):
        for name, tree in list(trees.items())[:: 1 if r % 2 == 0 else -1]:
            results[name].append(timed_run(tree, scenario, args.replications, args.workers, out))
    print(
        f"{Path(scenario).stem}, {args.replications} replications, --workers {args.workers}: "
        f"median (min-max) over {args.rounds} whole runs, wall seconds"
    )
    for name, rounds in results.items():
        print(f"{name}:")
        for step in ("model", "plots", "report", "run", "process"):
            print(f"  {step:28} {spread([x[step] for x in rounds])}")
        shares = [x["plots"] / x["model"] for x in rounds]
        print(
            f"  plots / model wall:          {statistics.median(shares):.1%} "
            f"({min(shares):.1%}-{max(shares):.1%}) (goal <= 5%)"
        )
    if len(results) == 2:
        first, second = results.values()
        for step in ("plots", "process"):
            ratios = [b[step] / a[step] for a, b in zip(first, second, strict=True)]
            print(f"{step}: working tree / {args.revision}, per round: {spread(ratios)}")


def small_run(scenario: str, replications: int, out: Path) -> Path:
    """A run's results directory without plots (the tables the plots are drawn from)."""
    command = [sys.executable, "-m", "sim", "run", scenario, "--replications", str(replications)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [*command, "--out", str(out), "--no-plots"],
        check=True,
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
    )
    return out


def draw(root: Path, run: Path, copy: Path) -> dict[str, object]:
    """One fresh interpreter's plots and report of ``run`` (in a fresh copy), with the
    plotting code of the tree at ``root``."""
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(run, copy, ignore=shutil.ignore_patterns("*.png", "*.svg", "report.html"))
    result = subprocess.run(
        [sys.executable, "-c", PLOTTER, str(copy)],
        cwd=root,
        check=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
    )
    return dict(json.loads(result.stdout.splitlines()[-1]))


class Model:
    """The scenario's variants, loaded once, to time one replication of each per round."""

    def __init__(self, scenario: str) -> None:
        loaded = load_scenario(scenario, {})
        self.seed = loaded.run.seed
        self.variants = [resolve(s) for s in variant_scenarios(loaded).values()]
        self.table = load_councils()
        run_replication(self.variants[0], SeedKey(0, 0, 0), self.table)  # warm

    def run_cpu(self, replication: int, replications: int) -> float:
        """The model's CPU (s) for the run's tasks, estimated as one replication of each
        variant (``replication``) times ``replications``."""
        began = time.process_time()
        for variant in self.variants:
            run_replication(variant, SeedKey(self.seed, 0, replication), self.table)
        return (time.process_time() - began) * replications


def spread(values: list[float]) -> str:
    v = sorted(values)
    return f"{statistics.median(v):7.3f} ({v[0]:.3f}-{v[-1]:.3f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "reform_2015.yaml"))
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--revision", help="also draw with this git revision's plotting code")
    parser.add_argument("--pool", action="store_true", help="wall time of whole runs on a pool")
    parser.add_argument("--workers", type=int, default=2, help="with --pool: the run's workers")
    args = parser.parse_args()
    scenario = str(Path(args.scenario).resolve())
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        trees = {"working tree": REPO}
        if args.revision:
            archive = subprocess.run(
                ["git", "-C", str(REPO), "archive", args.revision], check=True, capture_output=True
            ).stdout
            (root / "revision").mkdir()
            subprocess.run(["tar", "-x", "-C", str(root / "revision")], input=archive, check=True)
            trees = {args.revision: root / "revision", **trees}
        if args.pool:
            pool_rounds(args, scenario, trees, root / "run")
            return
        run = small_run(scenario, args.replications, root / "run")
        tasks = len(list((run / "parts").iterdir()))
        results: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
        model, models = Model(scenario), []
        for r in range(args.rounds):
            models.append(model.run_cpu(r, args.replications))
            for name, tree in list(trees.items())[:: 1 if r % 2 == 0 else -1]:
                results[name].append(draw(tree, run, root / "copy"))
        report(args, tasks, models, results)


def report(
    args: argparse.Namespace,
    tasks: int,
    models: list[float],
    results: dict[str, list[dict[str, object]]],
) -> None:
    """Print the model's CPU, each tree's plotting CPU by step and figure, and the share."""
    print(
        f"{Path(args.scenario).stem}, {args.replications} replications: {tasks} tasks; "
        f"median (min-max) over {args.rounds} rounds, CPU seconds"
    )
    print(
        f"model, the run's tasks:       {spread(models)}  "
        f"({statistics.median(models) / tasks * 1000:.1f} ms per replication)"
    )
    wholes = []
    for name, rounds in results.items():
        figures = {f: [float(x["figures"][f]) for x in rounds] for f in rounds[0]["figures"]}  # type: ignore[index]
        totals = [sum(x["figures"].values()) for x in rounds]  # type: ignore[attr-defined]
        imports = [float(x["import"]) for x in rounds]  # type: ignore[arg-type]
        reports = [float(x["report"]) for x in rounds]  # type: ignore[arg-type]
        whole = [a + b + c for a, b, c in zip(totals, imports, reports, strict=True)]
        shares = [w / m for w, m in zip(whole, models, strict=True)]
        wholes.append(whole)
        print(f"{name}:")
        print(f"  import of the plotting modules {spread(imports)}")
        for figure, spent in figures.items():
            print(f"  {figure:28} {spread(spent)}")
        print(f"  {'all ' + str(len(figures)) + ' figures':28} {spread(totals)}")
        print(f"  {'report.html (embedding)':28} {spread(reports)}")
        print(
            f"  plots, import and report: {spread(whole)} = "
            f"{statistics.median(shares):.1%} ({min(shares):.1%}-{max(shares):.1%}) "
            "of the model's CPU (goal <= 5%)"
        )
    if len(wholes) == 2:  # the paired figure: both trees drew in the same rounds
        ratios = [b / a for a, b in zip(*wholes, strict=True)]
        print(f"working tree / {args.revision}, per round: {spread(ratios)}")


if __name__ == "__main__":
    main()
