"""The README's quick start works: its command, run through the CLI (shortened)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from sim.cli.app import app

ROOT = Path(__file__).resolve().parent.parent


def quick_start_command() -> list[str]:
    """The `sim ...` command at the end of the README's first shell block."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)\n```", readme, re.S)
    assert block is not None, "README has no ```bash block"
    return shlex.split(block.group(1).split("&&")[-1])


def test_the_readme_quick_start_runs(tmp_path, monkeypatch):
    command = quick_start_command()
    assert command[:2] == ["sim", "run"]
    monkeypatch.chdir(ROOT)  # the README's paths are relative to the repository
    short = ["--replications", "1", "--horizon", "3", "--no-plots", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, [*command[1:], *short], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "child_years_truly_inadequate" in result.output
    replications = pd.read_parquet(tmp_path / "replications.parquet")
    assert replications["replication"].tolist() == [0] * len(replications)
    assert replications["variant"].iloc[0] == "baseline" and len(replications) > 1
    assert pd.read_parquet(tmp_path / "monthly.parquet")["month"].max() == 3


def test_the_readme_layout_names_every_module_and_nothing_that_is_gone():
    readme = (ROOT / "README.md").read_text()
    layout = readme[readme.index("## Layout") : readme.index("## Performance")]
    modules = {p.stem for p in (ROOT / "sim").rglob("*.py") if p.name != "__init__.py"}
    missing = sorted(m for m in modules if not re.search(rf"\b{re.escape(m)}\.py\b", layout))
    assert missing == [], f"README layout omits {missing}"
    package = layout[: layout.index("\nscenarios/")]  # the sim/ part of the tree
    named = set(re.findall(r"\b([a-z_]+)\.py\b", package))
    assert named - modules == set(), f"README layout names missing modules: {named - modules}"
