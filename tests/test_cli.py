"""The command line: located errors for every kind of bad input, and a full small run."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.results import measures

runner = CliRunner()


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


BAD_INPUTS = {
    "unknown key": (
        """
        run:
          horizon_months: 12
        world:
          performnce:
            volatility: 0.1
        """,
        ["s.yaml:4:3", "world.performnce", "did you mean 'performance'"],
    ),
    "wrong type": (
        """
        policy:
          regime:
            commissioners: many
        """,
        ["s.yaml:3:20", "policy.regime.commissioners", "'many'", "integer"],
    ),
    "out of range": (
        """
        policy:
          sharper_triggers:
            act_probability: 1.5
        """,
        ["s.yaml:3:22", "policy.sharper_triggers.act_probability", "1.5", "<= 1"],
    ),
    "bad dotted path in a variant": (
        """
        variants:
          more_teams:
            policy.regime.commisioners: 8
        """,
        ["s.yaml:3:5", "commisioners", "did you mean 'commissioners'"],
    ),
    "bad value in a variant": (
        """
        variants:
          no_teams:
            policy.regime.commissioners: -1
        """,
        ["s.yaml:3:34", "policy.regime.commissioners", "-1", ">= 0"],
    ),
    "malformed YAML": (
        """
        run:
          horizon_months: [12
        """,
        ["s.yaml:3:1"],
    ),
    "timeline changes a start-only input": (
        """
        timeline:
          - at: "2018-01"
            set:
              world.population.councils: 10
        """,
        ["s.yaml:4:7", "world.population.councils", "cannot be changed by the timeline"],
    ),
    "month not quoted": (
        """
        run:
          start: 2016-01-01
        """,
        ["s.yaml:2:10", "run.start", "YYYY-MM"],
    ),
}


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_gives_a_located_message_and_exit_1(tmp_path, kind, command):
    text, fragments = BAD_INPUTS[kind]
    path = write(tmp_path, text)
    result = runner.invoke(app, [command, str(path)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, (fragment, result.output)


def test_missing_file(tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 1
    assert "nope.yaml: no such file" in result.output


def test_validate_accepts_a_good_file(tmp_path):
    path = write(
        tmp_path,
        """
        run:
          horizon_months: 12
        variants:
          more_teams:
            policy.regime.commissioners: 8
        """,
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid (1 variants, 0 timeline entries)" in result.output


SMALL = """
    run:
      horizon_months: 18
      replications: 3
      seed: 7
    variants:
      no_triggers:
        policy.sharper_triggers.enabled: false
    """


def run_small(tmp_path: Path, out: str, *extra: str) -> Path:
    path = write(tmp_path, SMALL, "small.yaml")
    command = ["run", str(path), "--out", str(tmp_path / out), *extra]
    result = runner.invoke(app, command, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "variant minus baseline 'baseline'" in result.output
    assert "no_triggers" in result.output and "child_years_truly_inadequate" in result.output
    return tmp_path / out


def test_run_writes_the_results_directory(tmp_path):
    out = run_small(tmp_path, "r", "--trace")
    for name in (
        "scenario.yaml",
        "manifest.json",
        "replications.parquet",
        "monthly.parquet",
        "summary.csv",
        "councils.parquet",
        "events.parquet",
        "comparison.csv",
        "judged_inadequate.png",
    ):
        assert (out / name).exists(), name
    reps = pd.read_parquet(out / "replications.parquet")
    assert list(reps.columns[:4]) == ["variant", "point", "replication", "seed"]
    assert len(reps) == 6 and list(reps["variant"].unique()) == ["baseline", "no_triggers"]
    monthly = pd.read_parquet(out / "monthly.parquet")
    assert {"variant", "replication", "month", "date", "judged_inadequate"} <= set(monthly)
    assert monthly["date"].iloc[0] == "2016-01" and monthly["month"].max() == 18
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == [
        "variant", "metric", "unit", "mean", "ci_low", "ci_high", "sd", "n",
    ]  # fmt: skip
    assert list(summary["unit"]) == [measures.unit(m) for m in summary["metric"]]
    assert summary["unit"].notna().all()  # every outcome has its unit in the registry
    councils = pd.read_parquet(out / "councils.parquet")
    assert len(councils) == 6 * 152
    events = pd.read_parquet(out / "events.parquet")
    assert {"judgement", "signal"} <= set(events["event"])


def test_same_seed_same_results_whatever_the_workers(tmp_path):
    one = pd.read_parquet(run_small(tmp_path, "w1", "--workers", "1") / "replications.parquet")
    two = pd.read_parquet(run_small(tmp_path, "w2", "--workers", "2") / "replications.parquet")
    pd.testing.assert_frame_equal(one, two)
    other = pd.read_parquet(run_small(tmp_path, "s8", "--seed", "8") / "replications.parquet")
    assert not one.drop(columns="seed").equals(other.drop(columns="seed"))


def test_params_lists_sources(tmp_path):
    path = write(tmp_path, "run: {}\n")
    result = runner.invoke(app, ["params", str(path)], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "s: world.performance (" in result.output and "cutpoints" in result.output
    assert "fact" in result.output and "assumption" in result.output


def test_the_cli_refuses_a_seed_above_the_schema_limit():
    """--seed is bounded by the schema's limit: one more is a usage error, before any run."""
    from sim.defaults import MAX_SEED

    result = runner.invoke(app, ["run", "--seed", str(MAX_SEED + 1), "--no-plots"])
    assert result.exit_code == 2
    assert str(MAX_SEED) in result.output
