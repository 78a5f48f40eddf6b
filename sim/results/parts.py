"""A manifest per stored part, so that a damaged or incomplete part is never trusted.

Each part directory (``parts/<task key>/``) holds the task's tables as Arrow IPC files and
``part.json``: the task (variant, point, replication, key) and, per table file, its size,
row count and sha256. The manifest is written last, inside the temporary directory that is
renamed into place, so a part without a valid one was never finished. A part's content is
hashed once per run (when this run writes it, or when a resumed run finds it, before it
counts as done) and its files' sizes are checked again before it is combined (its hash too
if this run has not hashed it): a deleted, truncated or altered file, or a part copied over
another, fails the check and is reported by its task (not by its key), so that ``--resume``
redoes exactly that replication and ends with the data an uninterrupted run would have
written.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.experiments.tasks import PART_SUFFIX, Task

MANIFEST = "part.json"
_FORMAT = 1  # version of the part manifest's layout


def describe(task: Task) -> str:
    """A task as a modeller names it: variant, point and replication (not its hash key)."""
    return f"variant {task.variant!r}, point {task.point}, replication {task.replication}"


def _rows(data: bytes) -> int | None:
    """Rows of an Arrow IPC file's bytes (None if it is not one)."""
    try:
        with pa.ipc.open_file(pa.py_buffer(data)) as reader:
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    except (pa.ArrowException, OSError, ValueError):
        return None


def manifest_text(task: Task, tables: dict[str, bytes], rows: dict[str, int] | None = None) -> str:
    """The ``part.json`` of a task whose tables are ``tables`` (file stem -> Arrow IPC bytes),
    with their row counts from ``rows`` (as the encoder counted them) or read from the bytes."""
    known = rows or {}
    entries = {
        f"{name}{PART_SUFFIX}": {
            "bytes": len(data),
            "rows": known[name] if name in known else _rows(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        for name, data in tables.items()
    }
    ids = {"variant": task.variant, "point": task.point, "replication": task.replication}
    return json.dumps({"format": _FORMAT, "key": task.key, **ids, "files": entries}, indent=1)


def problem(folder: Path, task: Task, content: bool = True) -> str | None:
    """What is wrong with the stored part of ``task`` in ``folder``, or None if it is sound.

    Checks that the manifest is readable and belongs to this task, and that every file it
    lists has the recorded size and (with ``content``) content hash. Without ``content`` a
    file's size is checked from the file system (a part this run wrote or hashed already).
    """
    try:
        stored: Any = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        return f"{MANIFEST} is missing (unfinished, or written by an older sim)"
    except (OSError, ValueError) as err:
        return f"{MANIFEST} cannot be read ({err})"
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
        return f"{MANIFEST} is not a part manifest"
    ids = (stored.get("key"), stored.get("variant"), stored.get("point"), stored.get("replication"))
    if ids != (task.key, task.variant, task.point, task.replication):
        return f"it holds another task's results ({MANIFEST} names {ids[1:]!r})"
    if f"replication{PART_SUFFIX}" not in stored["files"]:
        return f"{MANIFEST} lists no replication{PART_SUFFIX}"
    for name, entry in stored["files"].items():
        found = _file_problem(folder / str(name), entry, content)
        if found:
            return f"{name}: {found}"
    return None


def _file_problem(file: Path, entry: Any, content: bool = True) -> str | None:
    if not isinstance(entry, dict):
        return "no size or hash recorded"
    if not content:
        try:
            size = file.stat().st_size
        except FileNotFoundError:
            return "missing"
        except OSError as err:
            return f"cannot be read ({err.strerror or err})"
        return None if size == entry.get("bytes") else (
            f"{size} bytes, {entry.get('bytes')} were written (truncated or altered)"
        )
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return "missing"
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    if len(data) != entry.get("bytes"):
        return f"{len(data)} bytes, {entry.get('bytes')} were written (truncated or altered)"
    if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        return "content differs from what was written (altered or swapped)"
    return None
