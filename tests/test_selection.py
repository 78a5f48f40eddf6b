"""Ranking and selection: KN++ against theory, replay determinism, and `sim select`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import SimError
from sim.results.selection import kn_plus_plus
from sim.workflow.select import SelectionGoal, select_variant
from tests.conftest import make_scenario


def _sequential(means, sd, delta, alpha, n0, rng, common=0.0, cap=600):
    """KN++ on normal outputs (what the procedure assumes), replayed over ``cap`` replications.

    The replay stops where the sequential procedure would, so drawing every replication
    first is the same as drawing one at a time.
    """
    own = {f"v{i}": m + rng.normal(0.0, sd, cap) for i, m in enumerate(means)}
    shared = np.random.default_rng(99).normal(0.0, common, cap)  # a shock all variants see
    data = {v: x + shared for v, x in own.items()}
    state = kn_plus_plus(data, delta, alpha, n0)
    return state, state.stage


def test_probability_of_correct_selection_is_at_least_the_target():
    """Slippage configuration (best exactly delta better): the hardest case of the guarantee."""
    rng = np.random.default_rng(2024)
    correct, trials = 0, 300
    for _ in range(trials):
        state, _ = _sequential([0.0, 1.0, 1.0, 1.0], 2.0, 1.0, 0.05, 10, rng)  # v0 is lowest
        correct += state.done and state.survivors == ("v0",)
    # KN++ guarantees >= 0.95; binomial sd of the estimate is about 0.013 at 300 trials
    assert correct / trials >= 0.95 - 3 * 0.013


def test_common_random_numbers_make_selection_cheaper():
    """A large shock common to all variants cancels in the paired differences KN++ uses."""
    one = _sequential([0.0, 1.0, 2.0], 1.0, 0.5, 0.05, 10, np.random.default_rng(1), common=0)
    crn = _sequential([0.0, 1.0, 2.0], 1.0, 0.5, 0.05, 10, np.random.default_rng(1), common=50)
    assert one[0].survivors == crn[0].survivors == ("v0",)
    assert one[1] == crn[1]  # the same stages, however large the common shock
    # without common random numbers the same shock, drawn per variant, costs many more
    rng = np.random.default_rng(1)
    data = {
        f"v{i}": m + rng.normal(0.0, 1.0, 600) + rng.normal(0.0, 5.0, 600)
        for i, m in enumerate([0.0, 1.0, 2.0])
    }
    assert kn_plus_plus(data, 0.5, 0.05, 10).stage > 3 * crn[1]


def test_the_replay_does_not_depend_on_how_much_data_came_at_once():
    rng = np.random.default_rng(5)
    values = {f"v{i}": rng.normal(i * 0.3, 1.0, 400) for i in range(4)}
    whole = kn_plus_plus(values, 0.3, 0.05, 10)
    cut = kn_plus_plus({v: x[: whole.stage] for v, x in values.items()}, 0.3, 0.05, 10)
    assert whole.done and whole == cut
    higher = kn_plus_plus(values, 0.3, 0.05, 10, lower_is_better=False)
    assert higher.survivors == ("v3",) and whole.survivors == ("v0",)


def test_bad_goals_are_refused():
    with pytest.raises(SimError, match="did you mean"):
        SelectionGoal("child_years_truly_inadequat")
    with pytest.raises(SimError, match="neither lower nor higher"):
        SelectionGoal("takeovers")
    with pytest.raises(SimError, match="--pcs"):
        SelectionGoal("child_years_truly_inadequate", pcs=1.0)


def _two_variants():
    scenario = make_scenario(**{"run.horizon_months": 6, "run.seed": 9})
    return scenario.model_copy(
        update={"variants": {"no_triggers": {"policy.sharper_triggers.enabled": False}}}
    )


def test_select_runs_stages_into_a_directory_and_resumes(tmp_path):
    goal = SelectionGoal(
        "child_years_truly_inadequate",
        indifference=1e-6,
        first_stage=3,
        max_replications=5,
        batch=2,
    )
    report = select_variant(_two_variants(), tmp_path / "sel", goal)
    table = pd.read_csv(tmp_path / "sel" / "selection.csv")
    assert list(table["variant"]) == ["baseline", "no_triggers"]
    assert set(table["unit"]) == {"child-years"}  # the metric's unit, from the registry
    assert table["selected"].sum() == 1 and report.selected in set(table["variant"])
    assert (table["replications"] >= 3).all() and (table["replications"] <= 5).all()
    assert report.tasks_run == int(table["replications"].sum())
    again = select_variant(_two_variants(), tmp_path / "sel", goal)
    assert again.tasks_run == 0 and again.selected == report.selected


def test_the_cli_reports_the_selection_and_its_guarantee(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "run: {horizon_months: 6, seed: 9}\n"
        "variants:\n  no_triggers: {policy.sharper_triggers.enabled: false}\n"
    )
    result = CliRunner().invoke(
        app,
        [
            "select",
            str(scenario),
            "--metric",
            "child_years_truly_inadequate",
            "--first-stage",
            "3",
            "--max-replications",
            "4",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Selection by child_years_truly_inadequate (KN++)" in result.output
    assert ("selected '" in result.output) or ("cap reached" in result.output)
