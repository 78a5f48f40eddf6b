"""Scenarios built on a base (``base:``): the merge rules, located errors and bounds."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.scenario.bases import MAX_DEPTH, load_document
from sim.scenario.loading import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"

BASE = """\
run:
  name: the_base
  start: "2016-01"
  horizon_months: 60
  seed: 7
policy:
  regime:
    deadline_months: 6
    announced_trusts:
      - {council: Sunderland, at: "2017-04", sponsor: Together for Children}
  sharper_triggers:
    act_probability: 0.3
variants:
  slow:
    policy.regime.deadline_months: 12
    policy.sharper_triggers.enabled: false
timeline:
  - at: "2018-01"
    set:
      policy.ofsted.framework: ILACS
"""


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)


def _error(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return caught.value


def test_the_file_wins_lists_are_replaced_the_timeline_is_appended(tmp_path):
    own = """\
base: base.yaml
run:
  horizon_months: 120
policy:
  regime:
    announced_trusts: []
variants:
  slow:
    policy.regime.deadline_months: 24
timeline:
  - at: "2019-01"
    set:
      policy.sharper_triggers.act_probability: 0.5
"""
    _write(tmp_path, {"base.yaml": BASE, "own.yaml": own})
    scenario = load_scenario(tmp_path / "own.yaml")
    assert scenario.run.horizon_months == 120 and scenario.run.seed == 7
    assert scenario.run.name == "own"  # run.name is not inherited
    assert scenario.policy.regime.announced_trusts == []
    assert scenario.policy.sharper_triggers.act_probability == 0.3
    assert scenario.variants["slow"] == {"policy.regime.deadline_months": 24}  # whole
    assert [entry.at for entry in scenario.timeline] == ["2018-01", "2019-01"]


def test_a_relative_calibration_path_is_the_base_files(tmp_path):
    fitted = (SCENARIOS.parent / "calibration" / "fitted.yaml").resolve()
    base = f"calibration: ../{fitted.parent.name}/fitted.yaml\n" + BASE
    _write(tmp_path, {"deep/base.yaml": base, "own.yaml": "base: deep/base.yaml\n"})
    (tmp_path / fitted.parent.name).mkdir()
    (tmp_path / fitted.parent.name / "fitted.yaml").write_text(fitted.read_text())
    data, _ = load_document(tmp_path / "own.yaml")
    assert Path(data["calibration"]) == (tmp_path / fitted.parent.name / "fitted.yaml").resolve()


def test_an_error_inside_the_base_is_reported_in_the_base(tmp_path):
    base = BASE.replace("act_probability: 0.3", "act_probability: 3")
    _write(tmp_path, {"base.yaml": base, "own.yaml": "base: base.yaml\n"})
    error = _error(tmp_path / "own.yaml")
    assert (Path(error.path).name, error.line) == ("base.yaml", 12)
    assert error.field == "policy.sharper_triggers.act_probability"


def test_an_error_in_the_file_is_reported_in_the_file_after_the_base_s_lines(tmp_path):
    own = (
        "base: base.yaml\ntimeline:\n  - at: '2017-01'\n"
        "    set: {policy.regime.deadline_months: 3}\n"
    )
    _write(tmp_path, {"base.yaml": BASE, "own.yaml": own})
    error = _error(tmp_path / "own.yaml")  # before the base's 2018-01: out of date order
    assert (Path(error.path).name, error.line, error.field) == ("own.yaml", 3, "timeline.1.at")
    clash = "base: base.yaml\nvariants:\n  v:\n    policy.ofsted.framework: SIF\n"
    _write(tmp_path, {"clash.yaml": clash})
    error = _error(tmp_path / "clash.yaml")  # the base's timeline would undo the variant
    assert (Path(error.path).name, error.line) == ("clash.yaml", 4)


def test_an_inherited_entry_after_a_shorter_horizon_is_allowed(tmp_path):
    shorter = "base: base.yaml\nrun: {horizon_months: 12}\n"
    _write(tmp_path, {"base.yaml": BASE, "own.yaml": shorter})
    assert load_scenario(tmp_path / "own.yaml").run.horizon_months == 12
    own = (
        "run: {horizon_months: 12}\n"
        "timeline: [{at: '2018-01', set: {policy.ofsted.framework: ILACS}}]\n"
    )
    _write(tmp_path, {"alone.yaml": own})
    assert "never apply" in str(_error(tmp_path / "alone.yaml"))  # the file's own: refused


@pytest.mark.parametrize(
    ("files", "message", "at"),
    [
        ({"a.yaml": "base: a.yaml\n"}, "already in this chain", ("a.yaml", 1)),
        ({"a.yaml": "run: {seed: 1}\nbase: b.yaml\n", "b.yaml": "base: a.yaml\n"},
         "a.yaml -> b.yaml -> a.yaml", ("b.yaml", 1)),
        ({"a.yaml": "base: nowhere.yaml\n"}, "no such file", ("a.yaml", 1)),
        ({"a.yaml": "base: [b.yaml]\n"}, "expected the name of a scenario file", ("a.yaml", 1)),
        ({"a.yaml": "base: /dev/zero\n"}, "not a regular file", ("a.yaml", 1)),
        ({"a.yaml": "base: .\n"}, "not a regular file", ("a.yaml", 1)),
        ({"a.yaml": "base: b.yaml\n", "b.yaml": "base: c.yaml\nbase: d.yaml\n"},
         "duplicate key", ("b.yaml", 2)),
    ],
    ids=["itself", "a cycle", "missing", "not a name", "a device", "a directory",
         "bad yaml in the base"],
)
def test_a_bad_base_is_a_located_error(tmp_path, files, message, at):
    _write(tmp_path, files)
    error = _error(tmp_path / "a.yaml")
    assert message in str(error)
    assert (Path(error.path).name, error.line) == at


def test_a_chain_longer_than_the_bound_is_refused(tmp_path):
    names = [f"s{i}.yaml" for i in range(MAX_DEPTH + 2)]
    files = {name: f"base: {after}\n" for name, after in itertools.pairwise(names)}
    _write(tmp_path, {**files, names[-1]: "run: {seed: 3}\n"})
    assert load_document(tmp_path / names[1])[0]["run"]["seed"] == 3  # MAX_DEPTH bases: fine
    error = _error(tmp_path / names[0])
    assert f"at most {MAX_DEPTH} bases" in str(error)
    assert Path(error.path).name == names[MAX_DEPTH]


def test_shipped_counterfactuals_build_on_history_rather_than_copy_it():
    """reform_2015, status_quo and recruitment_100m have no timeline of their own."""
    history = load_scenario(SCENARIOS / "history_2016_2025.yaml")
    for name in ("reform_2015", "status_quo", "recruitment_100m"):
        raw = yaml.safe_load((SCENARIOS / f"{name}.yaml").read_text())
        assert raw["base"] == "history_2016_2025.yaml" and "timeline" not in raw
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        assert scenario.timeline == history.timeline
        assert scenario.run.name == name
