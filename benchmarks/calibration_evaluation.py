"""Print what one calibration evaluation's replication costs, traced and untraced.

Usage: python benchmarks/calibration_evaluation.py [SPEC] [--rounds 5] [--replications 2]

Each round computes the spec's targets for ``--replications`` replications of the
base scenario at its own values (``replication_statistics``), once untraced (what
the evaluator does now: no target reads the event log) and once traced (what it did
before), one after the other so both see the same machine load. Printed: median and
range over rounds of CPU seconds per replication for each, and the saving. The
statistics of both are checked equal (tracing must not change a draw).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.calibration import evaluate
from sim.calibration.spec import TargetSpec, load_spec
from sim.model.streams import SeedKey
from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent


def cpu_per_replication(
    scenario: Scenario, targets: tuple[TargetSpec, ...], table: CouncilTable, reps: int,
    trace: bool,
) -> tuple[float, list[evaluate.Stats]]:
    """CPU seconds per replication and the statistics, traced or not."""
    original = evaluate.needs_trace
    evaluate.needs_trace = lambda _targets: trace  # type: ignore[assignment]
    try:
        began = time.process_time()
        stats = [evaluate.replication_statistics(scenario, SeedKey(2016, 0, r), table, targets)
                 for r in range(reps)]
        return (time.process_time() - began) / reps, stats
    finally:
        evaluate.needs_trace = original  # type: ignore[assignment]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("spec", nargs="?", default=str(ROOT / "calibration" / "spec.yaml"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--replications", type=int, default=2)
    args = parser.parse_args()
    cal = load_spec(args.spec)
    table, targets = load_councils(), tuple(cal.spec.targets)
    cpu_per_replication(cal.base, targets, table, 1, False)  # warm caches and imports
    plain, traced = [], []
    for _ in range(args.rounds):
        cost, a = cpu_per_replication(cal.base, targets, table, args.replications, False)
        plain.append(cost)
        cost, b = cpu_per_replication(cal.base, targets, table, args.replications, True)
        traced.append(cost)
        for x, y in zip(a, b, strict=True):
            assert all(x[k].tolist() == y[k].tolist() for k in x), "tracing changed a draw"
    for label, costs in (("untraced", plain), ("traced", traced)):
        print(f"{label:9s} {statistics.median(costs):.3f} s CPU per replication "
              f"({min(costs):.3f}-{max(costs):.3f} over {args.rounds} rounds)")
    saving = 1 - statistics.median(plain) / statistics.median(traced)
    print(f"saving    {saving:.1%} of a traced replication's CPU")


if __name__ == "__main__":
    main()
