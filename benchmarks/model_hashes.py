"""Print a hash of each variant's tables for fixed seeds: the check that a change is byte-identical.

Usage: python benchmarks/model_hashes.py [SCENARIO ...] [--replications 3] [--all-variants]

For each scenario (default: the default scenario and ``scenarios/history_2016_2025.yaml``)
and variant (default: the baseline only), runs replications 0..N-1 of point 0, untraced
and traced, encodes each as the worker does (``encode_result``: the Arrow bytes that become
replications.parquet, monthly.parquet, councils.parquet, judgements.parquet and, traced,
events.parquet) and prints one SHA-256 over them. Run it before and after a change that
should not move any draw (``diff`` the two outputs): equal lines mean equal tables.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.experiments.tasks import Task, encode_result
from sim.model.world import run_replication
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.schema import default_scenario_path
from sim.scenario.timeline import resolve, variant_scenarios

REPO = Path(__file__).resolve().parent.parent
SEED = 7


def digest(path: str, variant: str, replications: int, trace: bool) -> str:
    """SHA-256 (first 16 hex digits) of the encoded tables of ``replications`` runs."""
    loaded = load_scenario(path, {})
    scenario = resolve(variant_scenarios(loaded)[variant])
    table = load_councils()
    h = hashlib.sha256()
    for r in range(replications):
        task = Task(variant, 0, r, SEED)
        result = run_replication(scenario, task.seed_key, table, trace=trace)
        for name, data in sorted(encode_result(task, scenario, result).tables.items()):
            h.update(name.encode())
            h.update(bytes(data))
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenarios", nargs="*")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--all-variants", action="store_true")
    args = parser.parse_args()
    paths = args.scenarios or [
        str(default_scenario_path()), str(REPO / "scenarios" / "history_2016_2025.yaml")
    ]
    for path in paths:
        loaded = load_scenario(path, {})
        variants = list(variant_scenarios(loaded)) if args.all_variants else [loaded.run.baseline]
        for variant in variants:
            for trace in (False, True):
                value = digest(path, variant, args.replications, trace)
                print(f"{loaded.name} {variant} {'traced' if trace else 'untraced'} {value}",
                      flush=True)


if __name__ == "__main__":
    main()
