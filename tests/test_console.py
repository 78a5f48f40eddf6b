"""Console output: every table readable at 80 columns, and text formats for other tools."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import tables
from sim.cli.app import app

runner = CliRunner()
SCENARIO = """
    run: {horizon_months: 6, replications: 3, seed: 5}
    world:
      population: {source: synthetic, councils: 30}
    variants:
      a_variant_with_a_rather_long_name: {policy.sharper_triggers.enabled: false}
      double_sponsor_capacity: {policy.sponsors.capacity_per_sponsor: 2}
      more_inspection_capacity: {policy.ofsted.capacity_multiplier: 2}
    """


@pytest.fixture(scope="module")
def run80(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("console")
    path = folder / "s.yaml"
    path.write_text(textwrap.dedent(SCENARIO).lstrip())
    command = ["run", str(path), "--out", str(folder / "r"), "--no-plots", "--all-metrics"]
    result = runner.invoke(app, command, env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return folder / "r", result.output


def test_every_number_is_uncut_at_80_columns(run80: tuple[Path, str]) -> None:
    out, printed = run80
    lines = printed.splitlines()
    table_lines = [line for line in lines if not line.startswith(("Outcomes:", "results:", "("))]
    assert max(len(line) for line in table_lines) <= 80
    assert "…" not in printed
    summary = pd.read_csv(out / "summary.csv")
    comparison = pd.read_csv(out / "comparison.csv")
    for row in summary.to_dict("records"):
        assert f" {tables.compact(row['mean'])} " in printed, row
        assert tables.bracket(row["ci_low"], row["ci_high"]) in printed, row
    for row in comparison.to_dict("records"):
        assert tables.bracket(row["ci_low"], row["ci_high"]) in printed, row
    for variant in summary["variant"].unique():
        assert variant in printed.replace("\n", "") or variant[:20] in printed


def test_tables_are_the_same_at_any_width(run80: tuple[Path, str]) -> None:
    out, _ = run80
    summary = pd.read_csv(out / "summary.csv")
    comparison = pd.read_csv(out / "comparison.csv")
    drawn = []
    for width in (80, 200):
        from rich.console import Console

        console = Console(file=io.StringIO(), width=width, color_system=None)
        for table in tables.outcome_tables(summary, comparison):
            console.print(table)
        drawn.append([line.rstrip() for line in console.file.getvalue().splitlines()])
    assert drawn[0] == drawn[1]


def test_run_formats_for_tools(run80: tuple[Path, str], tmp_path: Path) -> None:
    out, _ = run80
    path = tmp_path / "s.yaml"
    path.write_text(textwrap.dedent(SCENARIO).lstrip())
    base = ["run", str(path), "--out", str(out), "--no-plots"]  # continues: nothing runs
    as_csv = runner.invoke(app, [*base, "--format", "csv"])
    assert as_csv.exit_code == 0, as_csv.output
    frame = pd.read_csv(io.StringIO(as_csv.stdout))
    assert list(frame.columns[:4]) == ["metric", "unit", "better", "variant"]
    assert set(frame["variant"]) == set(pd.read_csv(out / "summary.csv")["variant"])
    as_json = runner.invoke(app, [*base, "--format", "json"])
    records = json.loads(as_json.stdout)
    assert records[0]["metric"] == "child_years_truly_inadequate"
    as_md = runner.invoke(app, [*base, "--format", "markdown"])
    assert as_md.stdout.splitlines()[0].startswith("| metric | unit | better | variant |")


def test_params_grouped_and_filtered(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("run: {}\n")
    result = runner.invoke(
        app, ["params", str(path), "--prefix", "policy.regime"], env={"COLUMNS": "80"}
    )
    assert result.exit_code == 0, result.output
    assert "s: policy.regime (" in result.output and "world." not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    facts = runner.invoke(app, ["params", str(path), "--kind", "fact", "--format", "csv"])
    frame = pd.read_csv(io.StringIO(facts.stdout))
    assert set(frame["kind"]) == {"fact"} and frame["source"].str.len().min() > 0
    bad = runner.invoke(app, ["params", str(path), "--kind", "guess"])
    assert bad.exit_code == 1 and "unknown; expected one of" in bad.output


def test_set_overrides_and_workbook(tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "s.yaml"
    path.write_text("run: {horizon_months: 3, replications: 2, seed: 1}\n")
    out = tmp_path / "r"
    command = ["run", str(path), "--out", str(out), "--no-plots", "--xlsx"]
    settings = [
        "--set",
        "policy.regime.deadline_months=null",
        "--set",
        "policy.regime.commissioners=7",
    ]
    result = runner.invoke(app, [*command, *settings])
    assert result.exit_code == 0, result.output
    stored = (out / "scenario.yaml").read_text()
    assert "deadline_months: null" in stored and "commissioners: 7" in stored
    book = openpyxl.load_workbook(out / "results.xlsx")
    assert book.sheetnames[:1] == ["summary"] and "councils" in book.sheetnames
    header = [c.value for c in book["summary"][1]]
    assert header[:3] == ["variant", "metric", "unit"]
    bad = runner.invoke(app, ["run", str(path), "--set", "policy.regime.commissioners"])
    assert bad.exit_code == 1 and "expected PATH=VALUE" in bad.output
    wrong = runner.invoke(app, ["run", str(path), "--set", "policy.ofsted.temas=3"])
    assert wrong.exit_code == 1 and "policy.ofsted.temas" in wrong.output
