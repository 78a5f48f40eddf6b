"""Provenance: one version, the code hash in task keys and manifests, a clear refusal to mix."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

import sim
from sim.cli.app import app
from sim.errors import ResultsError
from sim.experiments import tasks
from sim.experiments.tasks import Task
from sim.provenance import code_hash
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario

ROOT = Path(__file__).parent.parent


def test_one_version_source_and_the_version_option() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "version" not in project and "version" in project["dynamic"]
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and f"sim {sim.__version__} " in result.output
    assert code_hash() in result.output


def test_task_keys_change_with_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    before = Task("baseline", 0, 0, 1, "f").key
    monkeypatch.setattr(tasks, "code_hash", lambda: "0" * 16)
    assert Task("baseline", 0, 0, 1, "f").key != before


def test_resume_after_a_code_change_refuses_clearly(tmp_path: Path) -> None:
    scenario = make_scenario(**{"run.horizon_months": 2, "run.replications": 1})
    run_scenario(scenario, tmp_path / "r", plots=False)
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["code_hash"] == code_hash()
    assert {"numpy", "scipy", "simpy", "pandas"} <= set(manifest["packages"])
    manifest["identity"]["code_hash"] = "f" * 16  # as if written by other code
    (tmp_path / "r" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsError, match="written by other model code"):
        run_scenario(scenario, tmp_path / "r", plots=False)


def test_code_hash_covers_model_code_and_data_not_the_shipped_scenarios() -> None:
    from sim import provenance

    names = {f.relative_to(provenance.PACKAGE).as_posix() for f in provenance._model_files()}
    assert {"model/world.py", "scenario/schema.py", "data/councils_2015.csv"} <= names
    assert not any(n.startswith(("results/", "cli/", "data/scenarios")) for n in names)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (
            "model_version",
            "written by model version 0.0.1, this is 9.9; results of two versions cannot be "
            "combined, choose another --out",
        ),
        (
            "code_hash",
            "written by other model code (code hash 0.0.1 there, 9.9 now); results of two "
            "versions of the code cannot be combined: choose another --out to run them again",
        ),
    ],
)
def test_a_directory_of_another_version_is_refused_before_its_inputs(
    tmp_path: Path, key: str, message: str
) -> None:
    from sim.results.directory import RunDirectory

    identity = {"model_version": "0.0.1", "code_hash": "0.0.1", "scenario": {"a": 1}}
    RunDirectory(tmp_path / "r").prepare(identity, {}, {})
    other = {**identity, key: "9.9", "scenario": {"a": 2}}  # inputs differ too: not named
    with pytest.raises(ResultsError) as caught:
        RunDirectory(tmp_path / "r").prepare(other, {}, {})
    assert str(caught.value) == f"{tmp_path / 'r'}: {message}"
