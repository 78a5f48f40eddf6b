"""Find the yardstick model (``toy_model.py``) that the speed benchmarks time against.

The yardstick lives outside the repository (``../shared/reference/`` next to the
project's checkout). ``SIM_REFERENCE`` names its folder; without it, the first
``shared/reference`` folder found beside the repository or one of its parents is
used, so the benchmarks work from a worktree too. When it is absent, benchmarks
print why and carry on without the comparison.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parent.parent
ENV = "SIM_REFERENCE"


def reference_folder() -> Path | None:
    """The folder holding ``toy_model.py``, or None when there is none."""
    named = os.environ.get(ENV)
    candidates = [Path(named)] if named else []
    candidates += [parent / "shared" / "reference" for parent in REPO.parents]
    return next((c for c in candidates if (c / "toy_model.py").is_file()), None)


def load_yardstick() -> ModuleType | None:
    """Import ``toy_model`` from the reference folder (None, with a message, when absent)."""
    folder = reference_folder()
    if folder is None:
        print(f"yardstick not found: set {ENV} to the folder of toy_model.py; skipping it")
        return None
    spec = importlib.util.spec_from_file_location("toy_model", folder / "toy_model.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def yardstick_council_years(module: ModuleType) -> float:
    """Council-years of one yardstick replication (its councils x its horizon in years)."""
    return float(module.P["N"] * module.P["T"])
