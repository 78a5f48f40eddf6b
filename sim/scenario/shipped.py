"""The scenarios shipped with the package, found by name from a checkout or an installed wheel.

In a checkout they live in ``scenarios/`` at the repository root (where other
work edits them); a wheel installs the same files as ``sim/data/scenarios`` (and
``calibration/`` as ``sim/data/calibration``, so relative references between
them resolve the same way; see setup.py). ``resolve`` accepts a path or a shipped name
(``reform_2015`` or ``reform_2015.yaml``), so ``sim run reform_2015`` and
``sim.run("reform_2015")`` work from either.
"""

from __future__ import annotations

from pathlib import Path

from sim.errors import ScenarioError

PACKAGE = Path(__file__).resolve().parent.parent  # sim/
DEFAULT = "reform_2015"


def scenario_directories() -> list[Path]:
    """Where shipped scenarios are: the installed package data, then a checkout's root."""
    places = (PACKAGE / "data" / "scenarios", PACKAGE.parent / "scenarios")
    return [d for d in places if d.is_dir()]


def shipped() -> dict[str, Path]:
    """Name -> file of every shipped scenario and sweep (the first directory wins)."""
    found: dict[str, Path] = {}
    for directory in scenario_directories():
        for file in sorted(directory.glob("*.yaml")):
            found.setdefault(file.stem, file)
    return found


def resolve(name: str | Path) -> Path:
    """A scenario file from a path, or from the name of a shipped scenario.

    Raises:
        ScenarioError: If it is neither an existing file nor a shipped name.
    """
    path = Path(name)
    if path.is_file():
        return path
    files = shipped()
    stem = path.name.removesuffix(".yaml").removesuffix(".yml")
    if stem in files:
        return files[stem]
    names = ", ".join(sorted(files)) or "none found"
    raise ScenarioError(
        f"no such file, and not a shipped scenario (shipped: {names})", path=str(name)
    )


def summary_line(file: Path) -> str:
    """The first comment line of a scenario file: what it is, in the author's words."""
    for line in file.read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        if line.strip():
            break
    return ""


def default_scenario() -> Path:
    """The scenario `sim run` uses when none is given (the reform of December 2015)."""
    return shipped().get(DEFAULT, PACKAGE.parent / "scenarios" / f"{DEFAULT}.yaml")
