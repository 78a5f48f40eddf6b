"""The evaluator's worker processes do not outlive a fit that is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.calibration.evaluate import parent_alive

ROOT = Path(__file__).resolve().parent.parent
HOLD = """
import time
from sim.calibration.evaluate import Evaluator
from sim.experiments.executors import Execution

if __name__ == "__main__":
    with Evaluator(None, (), Execution(workers=2)) as evaluator:
        jobs = [evaluator._pool.submit(time.sleep, 0.3) for _ in range(2)]
        [job.result() for job in jobs]
        print("ready", flush=True)
        time.sleep(120)
"""


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize(
    "how",  # 3.5 s a case on 2 cores (20 s when shared four ways): SIGTERM only when slow
    [signal.SIGKILL, pytest.param(signal.SIGTERM, marks=pytest.mark.slow)],
)
def test_killed_fit_leaves_no_processes_behind(tmp_path: Path, how: signal.Signals) -> None:
    script = tmp_path / "hold.py"
    script.write_text(HOLD)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    below = descendants(child.pid)
    assert len(below) >= 3  # the fork server, its two workers (and the resource tracker)
    child.send_signal(how)
    child.wait()
    deadline = time.monotonic() + 15
    while any(parent_alive(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = sorted(p for p in below if parent_alive(p))
    assert not left, f"processes left behind by the killed fit: {left}"
