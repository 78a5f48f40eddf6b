"""Imported once by the pool's fork server, before it forks each worker.

It imports everything a task uses and encodes one tiny table as parquet (the
writer loads pyarrow's pandas bridge on first use), so forked workers share
that work: a fresh worker's first task then costs what its later tasks do.
Importing it has no other effect.
"""

from __future__ import annotations

import io

import pandas as pd

import sim.experiments.tasks  # noqa: F401  (the model and the task function)


def _warm_parquet() -> None:
    """Write a one-row table to memory, loading the parquet engine on the way."""
    pd.DataFrame({"x": [0.0], "name": ["a"]}).to_parquet(io.BytesIO(), index=False)


_warm_parquet()
