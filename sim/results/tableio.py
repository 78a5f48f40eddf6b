"""Tables of a results directory on disk: read with a located message, written atomically,
parts (Arrow IPC files) streamed into one parquet file with bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import ResultsError

# A row group is written when the buffered parts reach either limit: rows bound the data,
# parts bound the per-table overhead (a one-row part still carries its schema and metadata).
ROWS_PER_GROUP = 100_000
PARTS_PER_GROUP = 256


def read_table(path: Path) -> pd.DataFrame:
    """A parquet or CSV table of a results directory, or a message saying how it is damaged.

    Raises:
        ResultsError: If the file is missing, truncated or not a table.
    """
    if not path.is_file():
        raise ResultsError(f"{path}: missing; expected a finished results directory")
    try:
        return pd.read_csv(path) if path.suffix == ".csv" else _read_parquet(path)
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as err:
        raise ResultsError(
            f"{path}: damaged or not a table ({str(err).splitlines()[0][:120]}); rebuild it "
            f"by running again with --resume --out {path.parent}"
        ) from None


def _read_parquet(path: Path) -> pd.DataFrame:
    """``pd.read_parquet`` of one file, the same frame, without its dataset layer: reading a
    file through ``pyarrow.dataset`` imports it first (~9 ms, once per process: a run's summary
    paid it)."""
    with pq.ParquetFile(path) as file:
        return file.read(use_pandas_metadata=True).to_pandas()


Transform = Callable[[pa.Table], pa.Table]


def with_inputs(design: pd.DataFrame) -> Transform:
    """Insert each row's sweep parameter values after ``seed`` (rows carry their inputs)."""
    lookup = design.set_index("point")
    types = pa.Table.from_pandas(lookup, preserve_index=False).schema

    def add(table: pa.Table) -> pa.Table:
        points = table.column("point").to_pandas()
        at = table.schema.get_field_index("seed") + 1
        for offset, column in enumerate(lookup.columns):
            values = points.map(lookup[column]).tolist()
            table = table.add_column(
                at + offset, column, pa.array(values, type=types.field(column).type)
            )
        return table

    return add


class Source(Protocol):
    """A part's table, read when it is streamed (``parts.PartTable``)."""

    def read(self) -> pa.Table: ...

    def schema(self) -> pa.Schema: ...


class _OtherSchemaError(Exception):
    """A part's columns differ from the first part's (it was written by other code)."""


def stream(files: Sequence[Source], target: Path, transform: Transform | None = None) -> None:
    """Concatenate parts' Arrow tables into parquet ``target`` (atomically), bounded memory.

    Parts of one run share their columns (the code hash is part of every task key), so
    each part is opened once; only when one differs are all schemas read and unified first.
    """
    try:
        _write_parts(files, target, files[0].schema(), transform, strict=True)
    except _OtherSchemaError:
        _write_parts(files, target, _unified(files, target), transform, strict=False)


def _unified(files: Sequence[Source], target: Path) -> pa.Schema:
    """The schema that holds every part's columns (one schema in memory at a time)."""
    try:
        schema = files[0].schema()
        for file in files[1:]:
            other = file.schema()
            if not other.equals(schema):
                schema = pa.unify_schemas([schema, other], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise ResultsError(f"{target}: parts have incompatible columns ({err})") from None
    return schema


def _write_parts(
    files: Sequence[Source],
    target: Path,
    schema: pa.Schema,
    transform: Transform | None,
    strict: bool,
) -> None:
    """Write the parts, cast to ``schema``, in row groups; ``strict``: raise on another schema."""
    temporary = target.with_name(f".{target.name}.tmp")
    shape = transform or (lambda table: table)
    buffer: list[pa.Table] = []
    rows = 0
    with _parquet_writer(temporary, shape(schema.empty_table()).schema) as writer:
        for file in files:
            table = file.read()
            if not table.schema.equals(schema):
                if strict:
                    raise _OtherSchemaError
                table = table.select(schema.names).cast(schema)
            buffer.append(table)
            rows += table.num_rows
            if rows >= ROWS_PER_GROUP or len(buffer) >= PARTS_PER_GROUP:
                writer.write_table(shape(pa.concat_tables(buffer)))
                buffer, rows = [], 0
        if buffer:
            writer.write_table(shape(pa.concat_tables(buffer)))
    temporary.replace(target)


@contextmanager
def _parquet_writer(path: Path, schema: pa.Schema) -> Iterator[pq.ParquetWriter]:
    """A parquet writer for ``path`` through a 1 MiB buffer, dictionary-encoding text only.

    The writer's many small writes cost ~40% of a small table's write unbuffered, and
    dictionary pages for numeric columns (which seldom repeat) ~25% more; what a reader
    gets back is the same.
    """
    text = [f.name for f in schema if f.type in (pa.string(), pa.large_string())]
    with (
        pa.OSFile(str(path), "wb") as raw,
        pa.BufferedOutputStream(raw, 1 << 20) as sink,
        pq.ParquetWriter(sink, schema, use_dictionary=text) as writer,
    ):
        yield writer


def atomic_write(path: Path, text: str) -> None:
    """Write a file so that a reader sees the old or the new content, never a mix."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a CSV or parquet table atomically (by the file's suffix)."""
    temporary = path.with_name(f".{path.name}.tmp")
    if path.suffix == ".csv":
        frame.to_csv(temporary, index=False)
    else:
        frame.to_parquet(temporary, index=False)
    temporary.replace(path)
