"""Print how long the command line takes to start: wall, CPU and peak memory per command.

Usage: python benchmarks/startup.py [--repeats 7]

Each command runs ``--repeats`` times in a fresh interpreter (``python -m sim ...``),
interleaved with a bare ``python -c pass`` so that the interpreter's own start-up
under the same machine load is printed beside it. CPU is the child's user + system
time; memory its peak resident set. On a shared machine wall time includes waiting
for a core: CPU is the figure that load does not inflate.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "sim --help": ["-m", "sim", "--help"],
    "sim run --help": ["-m", "sim", "run", "--help"],
    "sim validate": ["-m", "sim", "validate", str(REPO / "scenarios" / "reform_2015.yaml")],
}


def measure(arguments: list[str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MiB) of one fresh interpreter running ``arguments``."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, *arguments], env=env, stdout=subprocess.DEVNULL, cwd=REPO
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"{' '.join(arguments)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def spread(values: list[float], scale: float = 1.0) -> str:
    v = sorted(x * scale for x in values)
    return f"{statistics.median(v):6.0f} ({v[0]:.0f}-{v[-1]:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, arguments in COMMANDS.items():
            runs[name].append(measure(arguments))
    print(f"median (min-max) over {args.repeats} fresh interpreters, interleaved")
    print(f"{'command':18} {'wall ms':>18} {'CPU ms':>18} {'peak MiB':>10}")
    for name, rows in runs.items():
        wall = spread([r[0] for r in rows], 1000)
        cpu = spread([r[1] for r in rows], 1000)
        memory = statistics.median(r[2] for r in rows)
        print(f"{name:18} {wall:>18} {cpu:>18} {memory:10.0f}")


if __name__ == "__main__":
    main()
