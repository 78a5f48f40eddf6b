"""``results.xlsx``: the summary, comparison and per-council tables as one workbook.

Most readers of these results work in spreadsheets; one sheet per table (with
the outcome's unit beside each row, and the provenance on its own sheet) saves
them from importing CSV files by hand. Written with openpyxl through pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import ResultsError
from sim.model.recorder import OUTCOMES
from sim.results.directory import RunDirectory

SHEETS = (
    ("summary", "summary.csv"),
    ("comparison", "comparison.csv"),
    ("cost_effectiveness", "cost_effectiveness.csv"),
    ("councils", "councils.csv"),
    ("derived", "derived.csv"),
)


def _with_units(frame: pd.DataFrame) -> pd.DataFrame:
    if "metric" not in frame.columns:
        return frame
    frame = frame.copy()
    units = frame["metric"].map(lambda m: OUTCOMES[m].unit if m in OUTCOMES else "")
    frame.insert(list(frame.columns).index("metric") + 1, "unit", units)
    return frame


def write_workbook(directory: Path) -> Path:
    """Write ``results.xlsx`` from the directory's tables; return its path.

    Raises:
        ResultsError: If the directory has none of the tables.
    """
    run_dir = RunDirectory(directory)
    manifest = run_dir.manifest()
    present = [(s, run_dir.path / f) for s, f in SHEETS if (run_dir.path / f).exists()]
    if not present:
        raise ResultsError(f"{run_dir.path}: no summary or comparison to write to a workbook")
    target = run_dir.path / "results.xlsx"
    provenance = pd.DataFrame(
        [(k, str(v)) for k, v in manifest.items() if k not in ("identity", "packages")]
        + [(f"package {k}", v) for k, v in (manifest.get("packages") or {}).items()],
        columns=["field", "value"],
    )
    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for sheet, file in present:
            _with_units(pd.read_csv(file)).to_excel(writer, sheet_name=sheet, index=False)
        provenance.to_excel(writer, sheet_name="provenance", index=False)
    return target
