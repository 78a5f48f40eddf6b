"""The Python API: sim.run / sim.load, a cheap `import sim`, and the README example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

import sim
from sim.errors import ResultsError, SimError

README = Path(__file__).parent.parent / "README.md"


def readme_example() -> str:
    """The Python block after the README's example marker."""
    text = README.read_text()
    found = re.search(r"<!-- readme-python-example -->\n```python\n(.*?)```", text, re.S)
    assert found, "README lost its Python example"
    return found.group(1)


def test_readme_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # results/ goes under the temporary directory
    namespace: dict[str, object] = {}
    exec(compile(readme_example(), "README.md", "exec"), namespace)
    result = namespace["result"]
    assert isinstance(result, sim.Result)
    assert result.directory.is_relative_to(Path("results") / "reform_2015")
    assert set(result.summary["variant"]) >= {"baseline", "status_quo", "deadline_3m"}
    assert result.comparison is not None and "mean_diff" in result.comparison
    assert set(result.replications["replication"]) == {0, 1}
    assert result.monthly["month"].max() == 12
    assert result.councils["council"].nunique() == 152
    assert result.report().read_text().startswith("<!DOCTYPE html>")
    stored = result.directory / "scenario.yaml"
    assert "commissioners: 5" in stored.read_text()  # the keyword override reached the scenario


def test_bad_override_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(SimError, match=r"policy\.regime\.commissioners"):
        sim.run("reform_2015", out=tmp_path / "x", policy__regime__commissioners="many")


def test_load_refuses_what_is_not_a_results_directory(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="not a readable results directory"):
        sim.load(tmp_path)


def test_import_sim_is_cheap() -> None:
    code = "import sys, sim; print([m for m in ('pandas', 'numpy', 'simpy') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
