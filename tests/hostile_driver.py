"""Run hostile cases in this process under a memory limit and a per-case time limit.

``python -m tests.hostile_driver LIMIT_MB SECONDS ROOT NAME...`` sets ``RLIMIT_AS`` to
LIMIT_MB, then runs each named case of ``tests.hostile_cases`` through the CLI in its own
work directory under ROOT, stopping it with SIGALRM after SECONDS, and prints one JSON line
per case: name, exit code, output, wall seconds and peak resident memory so far. Importing
sim once for every case keeps the bounded run short; a case that hangs or exhausts memory
shows as ``code`` "timeout" or "memory".
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
from pathlib import Path


class _Timeout(BaseException):  # not caught by the CLI runner
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout


def main(argv: list[str]) -> None:
    limit, seconds, root, names = int(argv[0]) * 2**20, int(argv[1]), Path(argv[2]), argv[3:]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from typer.testing import CliRunner

    from sim.cli.app import app
    from tests.hostile_cases import CASES, write_case

    signal.signal(signal.SIGALRM, _alarm)
    chosen = [c for c in CASES if c.name in names]
    for number, case in enumerate(chosen):
        work = root / f"case{number}" / "work"
        write_case(case, work, root / f"case{number}" / "outside")
        os.chdir(work)
        began = time.perf_counter()
        signal.alarm(seconds)
        try:
            result = CliRunner().invoke(app, list(case.args))
            code: int | str = result.exit_code
            output = result.output
            if isinstance(result.exception, MemoryError):
                code = "memory"
            elif result.exception is not None and not isinstance(result.exception, SystemExit):
                output += f"\nTraceback: {result.exception!r}"
        except _Timeout:
            code, output = "timeout", ""
        except MemoryError:
            code, output = "memory", ""
        finally:
            signal.alarm(0)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        info = {"name": case.name, "code": code, "output": output, "peak_mb": peak}
        print(json.dumps({**info, "seconds": round(time.perf_counter() - began, 2)}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
