"""Where the shipped files are (no heavy imports: the CLI needs this to print its help)."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def default_scenario_path() -> Path:
    """The scenario `sim run` uses when none is given."""
    return PACKAGE.parent / "scenarios" / "reform_2015.yaml"
