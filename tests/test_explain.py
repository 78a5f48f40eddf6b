"""sim explain: a council's story from a traced run; councils.csv across replications."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.experiments.execution import Execution
from sim.results import measures
from sim.results.explain import story
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario

runner = CliRunner()


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = make_scenario(**{"run.horizon_months": 18, "run.replications": 2, "run.seed": 4})
    out = tmp_path_factory.mktemp("explain") / "r"
    run_scenario(scenario, out, execution=Execution(trace=True), plots=False)
    return out


def test_story_of_a_council_taken_over_gives_the_numbers_behind_each_step(traced: Path) -> None:
    events = pd.read_parquet(traced / "events.parquet")
    first_run = events[events["replication"] == 0]
    reviewed = set(first_run.loc[first_run["event"] == "review", "council"])
    decided = first_run[(first_run["event"] == "decision") & first_run["council"].isin(reviewed)]
    council = str(decided.iloc[0]["council"])  # the first council decided on after a review
    lines = story(traced, council)
    reviews = first_run[(first_run["council"] == council) & (first_run["event"] == "review")]
    review = json.loads(reviews["details"].iloc[0])
    text = "\n".join(lines)
    assert f"read {review['reading']:+.2f} against the {review['required']:+.2f} required" in text
    decisions = [line for line in lines if "decision: " in line]
    assert decisions and "(because: " in decisions[0]
    vacancy = json.loads(reviews["details"].iloc[0])["vacancy_rate"]
    assert (
        f"failed; vacancy rate {vacancy:.1%}" in text
        or f"passed; vacancy rate {vacancy:.1%}" in text
    )
    assert all("; vacancy rate " in line for line in decisions)
    months = [float(line.split("(month ")[1].split(")")[0]) for line in lines if "(month " in line]
    assert months == sorted(months)  # time order
    assert lines[0].startswith("at the start: judged ")  # a real council: its 2015 state


def test_cli_explain_and_its_errors(traced: Path) -> None:
    ok = runner.invoke(app, ["explain", str(traced), "Doncaster", "--replication", "1"])
    assert ok.exit_code == 0, ok.output
    assert "Doncaster" in ok.output and "at the start: judged" in ok.output
    typo = runner.invoke(app, ["explain", str(traced), "Doncastre"])
    assert typo.exit_code == 1 and "did you mean Doncaster" in typo.output
    bad = runner.invoke(app, ["explain", str(traced), "Doncaster", "--variant", "nope"])
    assert bad.exit_code == 1 and "no variant 'nope'" in bad.output


def test_councils_csv_across_replications(traced: Path) -> None:
    written = pd.read_csv(traced / "councils.csv")
    assert "months_truly_inadequate_mean [months]" in written.columns  # headers carry units
    assert "share_taken_over [share of replications]" in written.columns
    summary = measures.without_units(written)
    councils = pd.read_parquet(traced / "councils.parquet")
    assert len(summary) == 152 and set(summary["replications"]) == {2}
    one = summary[summary["council"] == "Doncaster"].iloc[0]
    rows = councils[councils["council"] == "Doncaster"]
    assert one["months_truly_inadequate_mean"] == pytest.approx(
        rows["months_truly_inadequate"].mean()
    )
    events = pd.read_parquet(traced / "events.parquet")
    starts = events[events["event"] == "trust_start"].groupby("council")["replication"].nunique()
    expected = (starts / 2).reindex(summary["council"]).fillna(0).to_numpy()
    assert summary["share_taken_over"].to_numpy() == pytest.approx(expected)
    ranked = summary["months_truly_inadequate_mean"].to_numpy()
    assert list(ranked) == sorted(ranked, reverse=True)


def test_councils_csv_needs_no_trace(traced: Path, tmp_path: Path) -> None:
    """The same run untraced writes the same councils.csv: the share taken over and the
    mean vacancy rate come from councils.parquet, not from the events."""
    scenario = make_scenario(**{"run.horizon_months": 18, "run.replications": 2, "run.seed": 4})
    run_scenario(scenario, tmp_path / "r", plots=False)
    assert not (tmp_path / "r" / "events.parquet").exists()
    written = pd.read_csv(tmp_path / "r" / "councils.csv")
    pd.testing.assert_frame_equal(written, pd.read_csv(traced / "councils.csv"))
    assert "vacancy_rate_mean [share]" in written.columns
    untraced = measures.without_units(written)
    assert untraced["share_taken_over"].sum() > 0  # the seed gives takeovers to compare
    councils = pd.read_parquet(tmp_path / "r" / "councils.parquet")
    one = untraced[untraced["council"] == "Doncaster"].iloc[0]
    rows = councils[councils["council"] == "Doncaster"]
    assert one["vacancy_rate_mean"] == pytest.approx(rows["vacancy_rate_mean"].mean())
    assert 0.0 < one["vacancy_rate_mean"] < 1.0


def test_without_a_trace_explain_says_how_to_get_one(tmp_path: Path) -> None:
    scenario = make_scenario(**{"run.horizon_months": 3, "run.replications": 1})
    run_scenario(scenario, tmp_path / "r", plots=False)
    result = runner.invoke(app, ["explain", str(tmp_path / "r"), "Doncaster"])
    assert result.exit_code == 1 and "run with --trace" in result.output
