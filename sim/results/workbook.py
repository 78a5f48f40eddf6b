"""``results.xlsx``: the summary, comparison and per-council tables as one workbook.

Most readers of these results work in spreadsheets; one sheet per table (with
the units the CSV files carry, ``measures.with_units``, and the provenance on its
own sheet) saves them from importing CSV files by hand. Written with openpyxl through pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.errors import ResultsError
from sim.results.directory import RunDirectory
from sim.results.measures import with_units

SHEETS = (
    ("summary", "summary.csv"),
    ("comparison", "comparison.csv"),
    ("cost_effectiveness", "cost_effectiveness.csv"),
    ("councils", "councils.csv"),
    ("derived", "derived.csv"),
)


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
            with_units(pd.read_csv(file)).to_excel(writer, sheet_name=sheet, index=False)
        provenance.to_excel(writer, sheet_name="provenance", index=False)
    return target
