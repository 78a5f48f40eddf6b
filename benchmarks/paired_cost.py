"""Compare the CPU cost of one replication at another git revision with the working tree's, paired.

Usage: python benchmarks/paired_cost.py REVISION [SCENARIO] [--rounds 30]

``git archive`` puts REVISION's tree in a temporary folder; two interpreters, one per
tree, load the scenario once and then run the same replications (seed 1, point 0,
replication r in round r) alternately, the order swapped every round, so that both see
the same machine load within a round. Printed: the median CPU per replication of each
and the median (and quartiles) over rounds of the ratio working tree / REVISION. On a
shared machine this ratio is steadier than either time, and than the ratio to the
yardstick (``replication_cost.py``), because both sides run the same model code paths.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# What each interpreter runs: load once, then one replication per line read, printing its CPU.
SERVER = """
import sys, time
from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve, variant_scenarios
loaded = load_scenario(sys.argv[1], {})
scenario = resolve(variant_scenarios(loaded)[loaded.run.baseline])
table = load_councils()
run_replication(scenario, SeedKey(0, 0, 0), table)
print("ready", flush=True)
for line in sys.stdin:
    began = time.process_time()
    run_replication(scenario, SeedKey(1, 0, int(line)), table)
    print(time.process_time() - began, flush=True)
"""


def server(root: Path, scenario: str) -> subprocess.Popen[str]:
    """An interpreter that imports the model from ``root`` and waits for replications."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, scenario],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    if process.stdout.readline().strip() != "ready":
        raise SystemExit(f"the model at {root} did not start")
    return process


def one(process: subprocess.Popen[str], replication: int) -> float:
    """CPU seconds of one replication in that interpreter."""
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{replication}\n")
    process.stdin.flush()
    return float(process.stdout.readline())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("revision")
    parser.add_argument("scenario", nargs="?", default=str(REPO / "scenarios" / "reform_2015.yaml"))
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    scenario = str(Path(args.scenario).resolve())
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.revision], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
        old, new = server(Path(folder), scenario), server(REPO, scenario)
        times: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = [("old", old), ("new", new)] if r % 2 == 0 else [("new", new), ("old", old)]
            for name, process in order:
                times[name].append(one(process, r))
        for process in (old, new):
            assert process.stdin is not None
            process.stdin.close()
            process.wait()
    ratios = [n / o for o, n in zip(times["old"], times["new"], strict=True)]
    low, _, high = statistics.quantiles(ratios, n=4)
    print(f"scenario {Path(scenario).name}: {args.rounds} rounds of one replication each")
    print(f"CPU per replication at {args.revision}: {statistics.median(times['old']) * 1e3:.1f} ms;"
          f" working tree: {statistics.median(times['new']) * 1e3:.1f} ms (medians)")
    print(f"working tree / {args.revision}: {statistics.median(ratios):.3f} "
          f"(quartiles {low:.3f}-{high:.3f})")


if __name__ == "__main__":
    main()
