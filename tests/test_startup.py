"""The command line starts at once: its module level imports nothing heavier than typer.

Checked by what a fresh interpreter has loaded (``sys.modules``), never by time, so
the test fails on the import that would slow ``sim --help`` and not on a busy machine.
benchmarks/startup.py prints the time itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HEAVY = (
    "numpy", "pandas", "scipy", "matplotlib", "pyarrow", "simpy", "pydantic", "yaml",
    "prim", "statsmodels", "jinja2", "pyabc", "dask", "openpyxl",
)


def loaded_after(statement: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter holds after ``statement``."""
    code = (
        f"import json, sys\n{statement}\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return list(json.loads(out.stdout.strip().splitlines()[-1]))


def test_cli_app_imports_no_heavy_library() -> None:
    assert loaded_after("import sim.cli.app") == []


def help_statement(*arguments: str) -> str:
    """Python that prints ``sim ARGUMENTS`` (typer exits when it has printed the help)."""
    return (
        f"import sys\nfrom sim.cli.app import app\nsys.argv = ['sim', *{arguments!r}]\n"
        "try:\n    app()\nexcept SystemExit:\n    pass"
    )


def test_help_imports_no_heavy_library() -> None:
    assert loaded_after(help_statement("--help")) == []


def test_run_help_imports_only_what_typer_needs() -> None:
    # typer itself converts a command's parameters with pydantic (typer/_adapters.py)
    assert loaded_after(help_statement("run", "--help")) in ([], ["pydantic"])


def test_the_check_can_fail() -> None:
    assert loaded_after("import sim.workflow.run") != []
