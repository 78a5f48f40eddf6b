"""Small sweeps and helpers shared by the experiment-layer tests (kept short: CI has minutes)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

BASE = """
run: {horizon_months: HORIZON, seed: 11}
variants:
  no_triggers: {policy.sharper_triggers.enabled: false}
"""

SWEEP = """
scenario: base.yaml
parameters:
  - {path: policy.sharper_triggers.act_probability, low: 0.05, high: 0.95}
  - {path: world.signals.slope, low: 0.5, high: 2.0}
design: {method: lhs, points: POINTS, seed: 4}
replications: REPLICATIONS
variants: [no_triggers]
metrics: [child_years_truly_inadequate, inspections_emergency]
"""


def write_sweep(
    folder: Path,
    *,
    points: int = 5,
    replications: int = 2,
    horizon: int = 12,
    variants: bool = True,
) -> Path:
    """A base scenario and an LHS sweep over two paths that exist today."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(BASE.replace("HORIZON", str(horizon)))
    text = SWEEP.replace("POINTS", str(points)).replace("REPLICATIONS", str(replications))
    if not variants:
        text = text.replace("variants: [no_triggers]\n", "")
    path = folder / "sweep.yaml"
    path.write_text(text)
    return path


def stored_files(directory: Path) -> dict[str, bytes]:
    """Every stored data file (parts and tables, not plots or the manifest) and its bytes."""
    wanted = {".parquet", ".part", ".csv"}
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.suffix in wanted and not p.name.startswith(".")
    }


def finished_parts(directory: Path) -> list[str]:
    parts = directory / "parts"
    if not parts.is_dir():
        return []
    return sorted(
        p.stem for p in parts.iterdir() if p.suffix == ".part" and not p.name.startswith(".")
    )


def sim_command(*args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    """Start ``python -m sim ARGS`` on this checkout in its own process group."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        **kwargs,  # type: ignore[arg-type]
    )


def tables(directory: Path) -> dict[str, pd.DataFrame]:
    """The combined tables of a results directory."""
    names = ("replications", "monthly", "councils", "points")
    return {n: pd.read_parquet(directory / f"{n}.parquet") for n in names}
