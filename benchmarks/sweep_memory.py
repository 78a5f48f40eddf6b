"""Print the wall time and peak memory of a sweep of a given size.

Usage: python benchmarks/sweep_memory.py [--points 200] [--replications 20]
       [--horizon 24] [--workers 2] [--plots] [SWEEP.yaml]

Without a sweep file, runs the stand-in sweep of ``benchmarks/sweeps.py`` (three
Ofsted levers, LHS) at the given size. Memory is the peak resident set of this
process (the client: planning, writing parts, combining, analysis) and of the
largest worker process. Run it at two sizes to see whether memory grows with the
number of points: it should not, beyond one small row per replication.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sweeps import disk_mb, peak_rss_mb, write_sweep
from sim.experiments.execution import Execution
from sim.experiments.sweep_file import load_sweep
from sim.workflow.sweep import run_sweep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sweep", nargs="?", help="a sweep file (default: the stand-in sweep)")
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--horizon", type=float, default=24.0, help="months")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plots", action="store_true", help="also draw the plots")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = Path(args.sweep) if args.sweep else None
        path = path or write_sweep(folder, args.points, args.replications, args.horizon)
        sweep = load_sweep(path)
        began = time.perf_counter()
        report = run_sweep(
            sweep, folder / "out", execution=Execution(workers=args.workers), plots=args.plots
        )
        seconds = time.perf_counter() - began
        own, worker = peak_rss_mb()
        size = disk_mb(folder / "out")
    horizon = sweep.base.run.horizon_months
    print(
        f"{len(sweep.points)} points x {sweep.spec.replications} replications x "
        f"{len(sweep.variants)} variants = {report.tasks} replications of {horizon:g} months, "
        f"{args.workers} workers{' with plots' if args.plots else ''}"
    )
    print(f"wall time:            {seconds:.1f} s ({seconds / report.tasks * 1000:.0f} ms each)")
    print(f"peak RSS, main:       {own:.0f} MB")
    print(f"peak RSS, one worker: {worker:.0f} MB")
    print(f"results on disk:      {size:.0f} MB")


if __name__ == "__main__":
    main()
