"""Tables of a results directory on disk: read with a located message, written atomically,
parquet parts streamed into one file with bounded memory.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

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
        return pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException, pd.errors.ParserError) as err:
        raise ResultsError(
            f"{path}: damaged or not a table ({str(err).splitlines()[0][:120]}); rebuild it "
            f"by running again with --resume --out {path.parent}"
        ) from None


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


def stream(files: list[Path], target: Path, transform: Transform | None = None) -> None:
    """Concatenate parquet files into ``target`` (atomically) with bounded memory."""
    try:
        schema = pq.read_schema(files[0])
        for file in files[1:]:  # one schema at a time: memory does not grow with the parts
            other = pq.read_schema(file)
            if not other.equals(schema):
                schema = pa.unify_schemas([schema, other], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise ResultsError(f"{target}: parts have incompatible columns ({err})") from None
    temporary = target.with_name(f".{target.name}.tmp")
    shape = transform or (lambda table: table)
    buffer: list[pa.Table] = []
    with pq.ParquetWriter(temporary, shape(schema.empty_table()).schema) as writer:
        for file in files:
            buffer.append(_read(file).select(schema.names).cast(schema))
            rows = sum(t.num_rows for t in buffer)
            if rows >= ROWS_PER_GROUP or len(buffer) >= PARTS_PER_GROUP:
                writer.write_table(shape(pa.concat_tables(buffer)))
                buffer = []
        if buffer:
            writer.write_table(shape(pa.concat_tables(buffer)))
    temporary.replace(target)


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


def _read(file: Path) -> pa.Table:
    """One small parquet file, read directly (not through the dataset layer and its threads)."""
    with pq.ParquetFile(file) as reader:
        return reader.read(use_threads=False)
