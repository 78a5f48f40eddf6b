"""One writer per results directory: a lock file, and a note of who holds it.

Two runs into one ``--out`` at once would both do all the work (each sees the other's parts
only once they are renamed into place). The lock (``filelock``: an OS-level lock released
when its process ends, even on ``kill -9``) makes the second one stop at once, and the note
beside it (``.lock.json``) tells it which process, started when, by what command, holds it.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from sim.errors import ResultsError
from sim.results.directory import RunDirectory

LOCK, HOLDER = ".lock", ".lock.json"


@contextmanager
def locked(run_dir: RunDirectory, command: str = "") -> Iterator[None]:
    """Hold the results directory's lock for the duration of the block.

    Raises:
        ResultsError: If ``--out`` is a file or another directory, or another process
            holds the lock (naming it).
    """
    run_dir.check_target()
    run_dir.path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(run_dir.path / LOCK, blocking=False)
    try:
        lock.acquire()
    except Timeout:
        raise ResultsError(
            f"{run_dir.path}: in use by another sim ({_holder(run_dir.path / HOLDER)}); "
            "wait for it to finish, or choose another --out"
        ) from None
    note = run_dir.path / HOLDER
    try:
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
        note.write_text(json.dumps({**info, "command": command}))
        yield
    finally:
        note.unlink(missing_ok=True)
        lock.release()


def _holder(note: Path) -> str:
    """Who holds the lock, from its note (which may be missing for an instant)."""
    try:
        info = json.loads(note.read_text())
        where = f"process {info['pid']} on {info['host']}, started {info['started']}"
        return where + (f": {info['command']}" if info.get("command") else "")
    except (OSError, ValueError, KeyError, TypeError):
        return "process unknown"
