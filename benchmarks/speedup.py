"""Print the parallel speed-up of a sweep from 1 to N workers, next to a CPU-bound control.

Usage: python benchmarks/speedup.py [--points 40] [--replications 4] [--horizon 120]
       [--workers 2] [--plots] [SWEEP.yaml]

Each run starts from an empty results directory, so both do the same work; the
stored data are compared too (they must be identical). Plots are left out by
default: they are drawn once at the end, by one process, whatever the workers.

The control is pure-Python arithmetic split into the same number of pieces on a
process pool of 1 and of N workers (pool started before timing), measured before
and after the sweeps: the speed-up the machine allows at the time. A shared
machine gives less than N; the sweep's efficiency is its speed-up over the
control's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.sweeps import write_sweep
from sim.experiments.execution import Execution
from sim.experiments.sweep_file import load_sweep
from sim.workflow.sweep import run_sweep


def _timed(sweep_file: Path, out: Path, workers: int, plots: bool) -> float:
    sweep = load_sweep(sweep_file)  # inside the timing's reach: both runs pay for it alike
    began = time.perf_counter()
    run_sweep(sweep, out, execution=Execution(workers=workers), plots=plots)
    return time.perf_counter() - began


def _spin(n: int) -> int:
    """CPU-bound work with no memory traffic to speak of."""
    total = 0
    for i in range(n):
        total = (total + i * i) % 1_000_003
    return total


def control(workers: int, pieces: int = 16, size: int = 1_500_000) -> float:
    """Wall seconds of ``pieces`` spins on a started pool of ``workers`` processes."""
    server = get_context("forkserver")
    server.set_forkserver_preload(["__main__", "sim.experiments.preload"])  # as the executor
    with ProcessPoolExecutor(max_workers=workers, mp_context=server) as pool:
        list(pool.map(_spin, [1] * workers))  # start every worker first
        began = time.perf_counter()
        list(pool.map(_spin, [size] * pieces))
        return time.perf_counter() - began


def _data(directory: Path) -> bytes:
    return (directory / "replications.parquet").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sweep", nargs="?", help="a sweep file (default: the stand-in sweep)")
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--replications", type=int, default=4)
    parser.add_argument("--horizon", type=float, default=120.0, help="months")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--plots", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        path = Path(args.sweep) if args.sweep else None
        path = path or write_sweep(folder, args.points, args.replications, args.horizon)
        controls = [control(1), control(args.workers)]
        one = _timed(path, folder / "one", 1, args.plots)
        many = _timed(path, folder / "many", args.workers, args.plots)
        controls += [control(1), control(args.workers)]
        same = _data(folder / "one") == _data(folder / "many")
        sweep = load_sweep(path)
    print(
        f"sweep {sweep.name}: {len(sweep.points)} points x {sweep.spec.replications} "
        f"replications x {len(sweep.variants)} variants, {sweep.base.run.horizon_months:g} months"
    )
    print(f"1 worker:   {one:.1f} s")
    print(f"{args.workers} workers:  {many:.1f} s")
    print(f"speed-up:   {one / many:.2f}x  (identical data: {same})")
    ideal = [controls[0] / controls[1], controls[2] / controls[3]]
    print(f"control:    {ideal[0]:.2f}x before, {ideal[1]:.2f}x after "
          f"(pure-Python work on {args.workers} workers vs 1)")
    print(f"efficiency: {one / many / (sum(ideal) / 2):.2f} of the control's speed-up")


if __name__ == "__main__":
    main()
