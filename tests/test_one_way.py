"""Data go one way: each results file is written once per run or sweep."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from sim.experiments.sweep_file import load_sweep
from sim.results.measures import without_units
from sim.workflow.run import run_scenario
from sim.workflow.sweep import run_sweep
from tests.conftest import make_scenario
from tests.sweeps import write_sweep


def _count_writes(monkeypatch, directory: Path) -> Counter[str]:
    """Count the atomic renames (temporary -> final) into ``directory``'s top level."""
    written: Counter[str] = Counter()
    replace = Path.replace

    def counting(self: Path, target: str | Path) -> Path:
        if Path(target).parent == directory:
            written[Path(target).name] += 1
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", counting)
    return written


def test_a_run_writes_each_file_once(tmp_path, monkeypatch):
    out = tmp_path / "run"
    written = _count_writes(monkeypatch, out)
    scenario = make_scenario(
        **{"run.horizon_months": 3, "run.replications": 2, "variants": {"v": {}}}
    )
    run_scenario(scenario, out, plots=False)
    assert {"manifest.json", "scenario.yaml", "timings.json", "replications.parquet"} <= set(
        written
    )
    assert [name for name, n in written.items() if n > 1] == []


def test_a_sweep_writes_replications_once_with_its_parameter_values(tmp_path, monkeypatch):
    sweep_file = write_sweep(tmp_path / "s", points=5, replications=1, horizon=2, variants=False)
    out = tmp_path / "out"
    written = _count_writes(monkeypatch, out)
    run_sweep(load_sweep(sweep_file), out, plots=False)
    assert [name for name, n in written.items() if n > 1] == []
    replications = pd.read_parquet(out / "replications.parquet")
    design = without_units(pd.read_csv(out / "design.csv"))  # headers: name [unit]
    merged = replications.merge(design, on="point", suffixes=("", "_design"))
    for column in (c for c in design.columns if c != "point"):
        assert (merged[column] == merged[f"{column}_design"]).all()
    columns = list(replications.columns)
    after_seed = columns[columns.index("seed") + 1 :][: len(design.columns) - 1]
    assert after_seed == list(design.columns[1:])
