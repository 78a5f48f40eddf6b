"""Print what the experiment layer costs per replication, as a share of the model's CPU.

Usage: python benchmarks/experiment_layer.py [--replications 6] [--trace]

For ``--replications`` replications of the default scenario's baseline, times (CPU) the
model (``run_replication``) and each step the experiment layer adds to a replication in a
real results directory: its tidy tables and parquet bytes (``encode``, on the worker),
storing the part with its manifest (``write_part``), the check before it counts as done
(``sound``, as on ``--resume``) and combining the parts into the run's tables
(``combine``, with its check). Summaries are per run, not per replication, and are
printed on their own line. Goal (issue 10): the layer at most 2% of the model's CPU.
"""

from __future__ import annotations

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=6)
    parser.add_argument("--trace", action="store_true", help="also the event log")
    args = parser.parse_args()
    loaded = load_scenario(str(default_scenario_path()), {})
    scenario = resolve(variant_scenarios(loaded)[loaded.run.baseline])
    table = load_councils()
    run_replication(scenario, Task("baseline", 0, 0, 1).seed_key, table)  # warm
    code_hash()  # a run hashes its code once, for its identity, before any task is stored
    costs = dict.fromkeys(("model", "encode", "write_part", "sound", "combine", "summary"), 0.0)
    with tempfile.TemporaryDirectory() as root:
        run_dir = RunDirectory(Path(root) / "run")
        run_dir.parts.mkdir(parents=True)
        tasks = [Task("baseline", 0, r, 2) for r in range(args.replications)]
        for task in tasks:
            spent, result = cpu(lambda t=task: run_replication(
                scenario, t.seed_key, table, trace=args.trace))
            costs["model"] += spent
            spent, encoded = cpu(lambda t=task, r=result: encode_result(t, scenario, r))
            costs["encode"] += spent
            costs["write_part"] += cpu(lambda e=encoded: run_dir.write_part(e))[0]
        costs["sound"] += cpu(lambda: run_dir.sound(tasks))[0]
        costs["combine"] += cpu(lambda: run_dir.combine(tasks))[0]
        costs["summary"] += cpu(
            lambda: analysis.summarise(run_dir.table("replications")))[0]
    model = costs.pop("model")
    per_run = costs.pop("summary")
    n = args.replications
    print(f"{n} replications of {loaded.name} (baseline{', traced' if args.trace else ''}): "
          f"model {model / n * 1000:.1f} ms CPU per replication")
    for name, spent in costs.items():
        print(f"  {name:11} {spent / n * 1000:7.2f} ms per replication  {spent / model:6.2%}")
    layer = sum(costs.values())
    print(f"experiment layer per replication: {layer / n * 1000:.2f} ms, "
          f"{layer / model:.2%} of the model's CPU (goal <= 2%)")
    print(f"summary of the run (once per run): {per_run * 1000:.1f} ms, "
          f"{per_run / model:.2%} of the model's CPU for these {n} replications")


if __name__ == "__main__":
    main()
