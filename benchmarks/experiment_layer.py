"""Print what the experiment layer costs per replication, as a share of the model's CPU.

Usage: python benchmarks/experiment_layer.py [--replications 6] [--rounds 1] [--trace]
       [--dir DIR]

For ``--replications`` replications of the default scenario's baseline, times (CPU) the
model (``run_replication``) and each step the experiment layer adds to a replication in a
real results directory: its tidy tables and parquet bytes (``encode``, on the worker),
storing the part with its manifest (``write_part``), the check before it counts as done
(``sound``, as on ``--resume``) and combining the parts into the run's tables
(``combine``, with its check). Summaries are per run, not per replication, and are
printed on their own line. ``--rounds`` repeats it all in one process (a fresh directory
each time) and prints medians and ranges: one round's figures move with the machine's load,
storing most (a part is one file, written under a temporary name and renamed: its system
time is the file system's; a directory and five files a part, the layout before parts
format 2, swung between ~0.1 and ~4 ms a part on the shared machine this was measured
on). ``--dir`` stores where runs are stored (e.g. ``results``).
Goal (issue 10): the layer at most 2% of the model's CPU.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.experiments.tasks import Task, encode_result
from sim.model.world import run_replication
from sim.provenance import code_hash
from sim.results import analysis
from sim.results.directory import RunDirectory
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.schema import default_scenario_path
from sim.scenario.timeline import resolve, variant_scenarios


def cpu(body: Callable[[], Any]) -> tuple[float, Any]:
    """(CPU seconds, value) of one call."""
    began = time.process_time()
    value = body()
    return time.process_time() - began, value


STEPS = ("encode", "write_part", "sound", "combine")


def measure(
    scenario: Any, table: Any, replications: int, trace: bool, where: str | None
) -> dict[str, float]:
    """CPU seconds of the model and of each step for ``replications`` in a fresh directory
    (inside ``where``, default the system's temporary directory)."""
    costs = dict.fromkeys(("model", *STEPS, "summary"), 0.0)
    with tempfile.TemporaryDirectory(dir=where) as root:
        run_dir = RunDirectory(Path(root) / "run")
        run_dir.parts.mkdir(parents=True)
        tasks = [Task("baseline", 0, r, 2) for r in range(replications)]
        _ = [t.key for t in tasks]  # a run computes every key (its plan) before any task runs
        for task in tasks:
            spent, result = cpu(lambda t=task: run_replication(
                scenario, t.seed_key, table, trace=trace))
            costs["model"] += spent
            spent, encoded = cpu(lambda t=task, r=result: encode_result(t, scenario, r))
            costs["encode"] += spent
            costs["write_part"] += cpu(lambda e=encoded: run_dir.write_part(e))[0]
        costs["sound"] += cpu(lambda: run_dir.sound(tasks))[0]
        costs["combine"] += cpu(lambda: run_dir.combine(tasks))[0]
        costs["summary"] += cpu(
            lambda: analysis.summarise(run_dir.table("replications")))[0]
    return costs


def spread(values: list[float]) -> str:
    """Median (min-max) of ``values``."""
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=1, help="repeat in one process: medians")
    parser.add_argument("--trace", action="store_true", help="also the event log")
    parser.add_argument("--dir", default=None, help="where to store (default: the system temp)")
    args = parser.parse_args()
    loaded = load_scenario(str(default_scenario_path()), {})
    scenario = resolve(variant_scenarios(loaded)[loaded.run.baseline])
    table = load_councils()
    run_replication(scenario, Task("baseline", 0, 0, 1).seed_key, table)  # warm
    code_hash()  # a run hashes its code once, for its identity, before any task is stored
    rounds = [
        measure(scenario, table, args.replications, args.trace, args.dir)
        for _ in range(args.rounds)
    ]
    n = args.replications
    share = {k: [r[k] / r["model"] for r in rounds] for k in (*STEPS, "summary")}
    share["layer"] = [sum(r[k] for k in STEPS) / r["model"] for r in rounds]
    per = {k: [r[k] / n * 1000 for r in rounds] for k in ("model", *STEPS)}
    per["layer"] = [sum(r[k] for k in STEPS) / n * 1000 for r in rounds]
    print(f"{n} replications of {loaded.name} (baseline{', traced' if args.trace else ''}), "
          f"{args.rounds} round(s), median (min-max): model {spread(per['model'])} ms CPU "
          "per replication")
    for name in STEPS:
        print(f"  {name:11} {spread(per[name])} ms per replication  "
              f"{statistics.median(share[name]):6.2%}")
    print(f"experiment layer per replication: {spread(per['layer'])} ms, "
          f"{statistics.median(share['layer']):.2%} of the model's CPU (goal <= 2%)")
    summary = [r["summary"] * 1000 for r in rounds]
    print(f"summary of the run (once per run): {spread(summary)} ms, "
          f"{statistics.median(share['summary']):.2%} of the model's CPU for these {n} "
          "replications")


if __name__ == "__main__":
    main()
