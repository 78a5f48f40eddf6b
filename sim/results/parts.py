"""A stored part: one file per finished task, so that a damaged or incomplete part is never trusted.

A part (``parts/<task key>.part``) is one file: an 8-byte magic, the header's length (4
bytes, little-endian), the header (JSON: format, the task's key, variant, point and
replication, and per table its size in bytes and row count, in the order the tables
follow), each table's Arrow IPC bytes (each starting at a multiple of 64 bytes, so that a
memory-mapped table is read in place), and the sha256 of everything before it (32 bytes,
computed while the part is built). It is written under a temporary name and renamed into
place in one step (``RunDirectory.write_part``), so a part under its final name was
finished, even after ``kill -9``. A part's content is hashed once per run (when this run
writes it, or when a resumed run finds it, before it counts as done) and its size is
checked again before it is combined (its hash too if this run has not hashed it): a
truncated, altered or swapped part, or one copied over another, fails the check and is
reported by its task (not by its key), so that ``--resume`` redoes exactly that replication
and ends with the data an uninterrupted run would have written.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.experiments.tasks import Task

SUFFIX = ".part"
MAGIC = b"SIMPART\0"
FORMAT = 2  # version of the part's layout (1: a directory of Arrow files and part.json)
ALIGN = 64  # bytes: where each table starts (Arrow's own alignment)
_LENGTH = struct.Struct("<I")
_HEAD = len(MAGIC) + _LENGTH.size
_DIGEST = 32  # bytes of the trailing sha256


class PartError(Exception):
    """What is wrong with a stored part (its message names the damage, not the task)."""


def describe(task: Task) -> str:
    """A task as a modeller names it: variant, point and replication (not its hash key)."""
    return f"variant {task.variant!r}, point {task.point}, replication {task.replication}"


def _padded(size: int) -> int:
    return -(-size // ALIGN) * ALIGN


def _rows(data: bytes) -> int | None:
    """Rows of an Arrow IPC file's bytes (None if it is not one)."""
    try:
        with pa.ipc.open_file(pa.py_buffer(data)) as reader:
            return sum(reader.get_batch(i).num_rows for i in range(reader.num_record_batches))
    except (pa.ArrowException, OSError, ValueError):
        return None


def encode(task: Task, tables: dict[str, bytes], rows: dict[str, int] | None = None) -> list[bytes]:
    """The bytes of the part of ``task`` whose tables are ``tables`` (name -> Arrow IPC
    bytes), as chunks to be written in order (the tables are not copied), with their row
    counts from ``rows`` (as the encoder counted them) or read from the bytes."""
    known = rows or {}
    entries = {
        name: {"bytes": len(data), "rows": known[name] if name in known else _rows(data)}
        for name, data in tables.items()
    }
    ids = {"variant": task.variant, "point": task.point, "replication": task.replication}
    header = json.dumps(
        {"format": FORMAT, "key": task.key, **ids, "tables": entries}, separators=(",", ":")
    ).encode()
    head = MAGIC + _LENGTH.pack(len(header)) + header
    chunks = [head + b" " * (_padded(len(head)) - len(head))]
    for data in tables.values():
        chunks += [data, b"\0" * (_padded(len(data)) - len(data))]
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return [*chunks, digest.digest()]


def write_all(fd: int, chunks: Sequence[bytes]) -> None:
    """Write ``chunks`` to file descriptor ``fd`` in as few system calls as the kernel allows
    (one ``writev`` a part, in practice; one ``write`` a chunk where there is no ``writev``)."""
    writev = getattr(os, "writev", None)
    views = [memoryview(c) for c in chunks if c]
    while views:
        done = writev(fd, views) if writev else os.write(fd, views[0])
        while views and done >= len(views[0]):
            done -= len(views.pop(0))
        if views and done:
            views[0] = views[0][done:]


@dataclass(frozen=True)
class StoredPart:
    """A checked part on disk: where each of its tables lies (bytes from the file's start)."""

    path: Path
    tables: dict[str, tuple[int, int]]  # name -> (offset, size)

    def table(self, name: str) -> PartTable:
        """One of the part's tables, to be read when it is needed."""
        return PartTable(self, name)

    def data(self, name: str) -> pa.Buffer:
        """One table's Arrow IPC bytes, memory-mapped (read in place, not copied)."""
        offset, size = self.tables[name]
        source = pa.memory_map(str(self.path))
        source.seek(offset)
        return source.read_buffer(size)

    def read(self, name: str) -> pa.Table:
        """One of the part's tables."""
        with pa.ipc.open_file(self.data(name)) as reader:
            return reader.read_all()

    def schema(self, name: str) -> pa.Schema:
        """One table's schema (from its footer)."""
        return pa.ipc.open_file(self.data(name)).schema


@dataclass(frozen=True)
class PartTable:
    """One table of a stored part (what ``tableio.stream`` reads, one part at a time)."""

    part: StoredPart
    name: str

    def read(self) -> pa.Table:
        return self.part.read(self.name)

    def schema(self) -> pa.Schema:
        return self.part.schema(self.name)


def load(path: Path, task: Task, content: bool = True) -> StoredPart:
    """The stored part of ``task`` at ``path``, checked, with one open of the file.

    Checks that the header is readable and names this task, that the file has the size the
    header implies and (with ``content``) that its sha256 is the one written after it.

    Raises:
        PartError: Saying what is wrong (missing, truncated, altered, another task's).
    """
    try:
        with open(path, "rb") as file:
            data = file.read() if content else file.read(_HEAD)
            size = os.fstat(file.fileno()).st_size
            length = _length(data, size)
            header = data[_HEAD : _HEAD + length] if content else file.read(length)
    except FileNotFoundError:
        raise PartError("missing") from None
    except OSError as err:
        raise PartError(f"cannot be read ({err.strerror or err})") from None
    tables = _tables(_header(header, task), _padded(_HEAD + length), size)
    if content and hashlib.sha256(memoryview(data)[:-_DIGEST]).digest() != data[-_DIGEST:]:
        raise PartError("content differs from what was written (altered or swapped)")
    return StoredPart(path, tables)


def problem(path: Path, task: Task, content: bool = True) -> str | None:
    """What is wrong with the stored part of ``task`` at ``path``, or None if it is sound."""
    try:
        load(path, task, content)
    except PartError as err:
        return str(err)
    return None


def _length(head: bytes, size: int) -> int:
    """The header's length, from a part's first bytes (``size``: the file's)."""
    if len(head) < _HEAD or head[: len(MAGIC)] != MAGIC:
        raise PartError("not a part file (unfinished, damaged, or written by an older sim)")
    (length,) = _LENGTH.unpack_from(head, len(MAGIC))
    if _HEAD + length > size:
        raise PartError(f"{size} bytes, cut short inside its header (truncated)")
    return length


def _header(text: bytes, task: Task) -> dict[str, Any]:
    """The parsed header, refused unless it is a part header of ``task``."""
    try:
        stored: Any = json.loads(text)
    except ValueError:
        raise PartError("its header cannot be read (damaged)") from None
    if not isinstance(stored, dict) or not isinstance(stored.get("tables"), dict):
        raise PartError("its header is not a part header (damaged)")
    if stored.get("format") != FORMAT:
        raise PartError(f"part format {stored.get('format')!r}, this sim reads {FORMAT}")
    ids = (stored.get("key"), stored.get("variant"), stored.get("point"), stored.get("replication"))
    if ids != (task.key, task.variant, task.point, task.replication):
        raise PartError(f"it holds another task's results (its header names {ids[1:]!r})")
    if "replication" not in stored["tables"]:
        raise PartError("its header lists no replication table")
    return stored


def _tables(stored: dict[str, Any], start: int, size: int) -> dict[str, tuple[int, int]]:
    """Where each table lies, from the header; refused unless the file has the size implied."""
    tables, offset = {}, start
    for name, entry in stored["tables"].items():
        length = entry.get("bytes") if isinstance(entry, dict) else None
        if not isinstance(length, int) or length < 0:
            raise PartError(f"its header records no size for {name} (damaged)")
        tables[str(name)] = (offset, length)
        offset += _padded(length)
    if size != offset + _DIGEST:
        raise PartError(f"{size} bytes, {offset + _DIGEST} were written (truncated or altered)")
    return tables
