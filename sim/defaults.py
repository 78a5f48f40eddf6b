"""Limits and defaults that the command line shows in its help, in a module that imports nothing.

Their owners (``sim.scenario.fields``, ``sim.workflow.select``, ``sim.results.discovery``)
import pydantic, pandas and the model; the values live here so that ``sim --help`` can
print them without paying for those imports (the owners re-export them).
"""

from __future__ import annotations

MAX_SEED = 2**63 - 1  # seeds are stored in int64 columns (parquet) [integer]
DEFAULT_INDIFFERENCE = 0.02  # KN++: of the baseline's first-stage mean, when none is given
DEFAULT_DENSITY = 0.8  # PRIM: smallest density of the reported box, if any box reaches it
