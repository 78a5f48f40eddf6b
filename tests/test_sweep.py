"""Sweep files: designs and tasks, and every problem reported at its line before anything runs."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ScenarioError
from sim.experiments.sweep_file import load_sweep

BASE = """
run: {horizon_months: 12, seed: 5}
variants:
  more_teams: {policy.regime.commissioners: 8}
  no_triggers: {policy.sharper_triggers.enabled: false}
"""

GOOD = """
scenario: base.yaml
parameters:
  - path: policy.sharper_triggers.act_probability
    low: 0.1
    high: 0.9
  - path: policy.regime.commissioners
    low: 2
    high: 6
    integer: true
design:
  method: lhs
  points: 5
  seed: 3
replications: 2
variants: [no_triggers]
"""


def write_sweep(tmp_path: Path, text: str, name: str = "sweep.yaml") -> Path:
    (tmp_path / "base.yaml").write_text(BASE)
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_a_good_sweep_has_its_points_and_tasks(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path, GOOD))
    assert len(sweep.points) == 5 and sweep.variants == ("baseline", "no_triggers")
    for point in sweep.points:
        assert 0.1 <= point["policy.sharper_triggers.act_probability"] <= 0.9
        assert point["policy.regime.commissioners"] in range(2, 7)
    tasks = sweep.tasks()
    assert len(tasks) == 5 * 2 * 2 and len({t.key for t in tasks}) == len(tasks)
    resolved = sweep.scenario("no_triggers", 3)
    assert resolved.policy.regime.commissioners == sweep.points[3]["policy.regime.commissioners"]
    assert resolved.policy.sharper_triggers.enabled is False
    assert sweep.design_table().shape == (5, 3)


def test_the_same_file_gives_the_same_points_and_keys(tmp_path):
    one, two = (load_sweep(write_sweep(tmp_path, GOOD)) for _ in range(2))
    assert one.points == two.points
    assert [t.key for t in one.tasks()] == [t.key for t in two.tasks()]


def test_sobol_and_grid_sizes(tmp_path):
    sobol = GOOD.replace("method: lhs\n  points: 5", "method: sobol\n  points: 4")
    assert len(load_sweep(write_sweep(tmp_path, sobol)).points) == 4 * (2 + 2)
    grid = """
    scenario: base.yaml
    parameters:
      - {path: policy.regime.commissioners, values: [2, 4, 8]}
      - {path: policy.sharper_triggers.min_gap_months, values: [6, 12]}
    design: {method: grid}
    replications: 1
    """
    sweep = load_sweep(write_sweep(tmp_path, grid))
    assert [tuple(p.values()) for p in sweep.points] == [(t, g) for t in (2, 4, 8) for g in (6, 12)]


BAD_SWEEPS = {
    "unknown path": (
        GOOD.replace("path: policy.regime.commissioners", "path: policy.regime.commisioners"),
        ["sweep.yaml:6:11", "policy.regime.commisioners", "did you mean 'commissioners'"],
    ),
    "low above high": (
        GOOD.replace("low: 2\n    high: 6", "low: 6\n    high: 2"),
        ["sweep.yaml:6:5", "parameters.1", "low (6.0) must be < high (2.0)"],
    ),
    "unknown variant": (
        GOOD.replace("variants: [no_triggers]", "variants: [no_trigers]"),
        ["sweep.yaml:15:12", "no variant 'no_trigers'", "did you mean 'no_triggers'"],
    ),
    "sobol points": (
        GOOD.replace("method: lhs\n  points: 5", "method: sobol\n  points: 6"),
        ["sweep.yaml:11:3", "design", "power of 2"],
    ),
    "unknown metric": (
        GOOD + "metrics: [child_years_truly_inadequat]\n",
        ["sweep.yaml:16:10", "metrics", "did you mean 'child_years_truly_inadequate'"],
    ),
    "run input": (
        GOOD.replace("path: policy.regime.commissioners", "path: run.horizon_months"),
        ["sweep.yaml:6:11", "cannot be swept"],
    ),
    "grid without values": (
        GOOD.replace("method: lhs\n  points: 5", "method: grid"),
        ["sweep.yaml:3:5", "act_probability", "a grid design needs values"],
    ),
    "variant sets a swept path": (
        GOOD.replace("[no_triggers]", "[no_triggers, more_teams]"),
        ["sweep.yaml:15:25", "variant 'more_teams' sets policy.regime.commissioners"],
    ),
    "missing scenario": (
        GOOD.replace("scenario: base.yaml", "scenario: nope.yaml"),
        ["sweep.yaml:1:11", "no scenario file"],
    ),
    "too few lhs points": (
        GOOD.replace("points: 5", "points: 4"),
        ["sweep.yaml:12:11", "design.points", "needs at least 5 points"],
    ),
    "unknown key": (
        GOOD.replace("replications: 2", "replication: 2"),
        ["sweep.yaml:14:1", "unknown field", "did you mean 'replications'"],
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_SWEEPS))
def test_sweep_errors_name_the_line(tmp_path, kind):
    text, fragments = BAD_SWEEPS[kind]
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_sweep(tmp_path, text))
    for fragment in fragments:
        assert fragment in str(caught.value), (fragment, str(caught.value))


# commissioners is an integer field: a continuous range generates points that do not validate
FAILING_POINT = GOOD.replace("    integer: true\n", "")


def test_a_failing_point_names_the_parameter_line_and_the_point(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_sweep(write_sweep(tmp_path, FAILING_POINT))
    message = str(caught.value)
    start = f"{tmp_path / 'sweep.yaml'}:6:5: policy.regime.commissioners: design point 0"
    assert message.startswith(start)
    assert "integer" in message


def test_a_failing_point_stops_the_sweep_before_any_run(tmp_path):
    path = write_sweep(tmp_path, FAILING_POINT)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(path), "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "sweep.yaml:6:5" in result.output and "design point 0" in result.output
    assert not out.exists()


def test_check_validates_without_running(tmp_path):
    path = write_sweep(tmp_path, GOOD)
    result = CliRunner().invoke(app, ["sweep", str(path), "--check", "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "5 points x 2 replications x 2 variants = 20 replications" in result.output
    assert not (tmp_path / "o").exists()
