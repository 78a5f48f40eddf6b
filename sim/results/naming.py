"""Where results directories go: a new one per run, the latest one to resume, and how
the inputs stored in one differ from a new run's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sim.errors import ResultsError


def default_directory(root: Path, name: str) -> Path:
    """results/<name>/<UTC timestamp>/ (a new directory for each run)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return root / name / stamp


def latest_directory(root: Path, name: str) -> Path:
    """The newest results directory of a scenario or sweep, for ``--resume``.

    Raises:
        ResultsError: If there is none.
    """
    parent = root / name
    found = sorted(p for p in parent.glob("*") if (p / "manifest.json").is_file())
    if not found:
        raise ResultsError(f"{parent}: no results directory to resume; run without --resume")
    return found[-1]


def first_difference(old: Any, new: Any, where: str = "") -> str | None:
    """Dotted path and values of the first difference between two plain documents."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            inner = f"{where}.{key}" if where else str(key)
            if key not in old or key not in new:
                return f"{inner} is only in the {'new' if key not in old else 'stored'} inputs"
            found = first_difference(old[key], new[key], inner)
            if found:
                return found
        return None
    if old != new:
        return f"{where or 'value'} is {old!r} there, {new!r} now"
    return None
