"""Fitted parameter files (``calibration/fitted.yaml``) as defaults of a scenario.

A scenario may name a fitted file (``calibration: ../calibration/fitted.yaml``,
relative to the scenario). Its values become the defaults of their paths: a path
the scenario sets itself keeps the scenario's value, every other fitted path takes
the fitted value. ``sim params`` then shows those inputs as kind ``fitted``, with
their 90% interval and the calibration they came from. The file also names the
posterior sample, from which ``run.parameter_uncertainty: posterior`` draws.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError
from sim.scenario.fields import ParameterRow
from sim.scenario.schema import Scenario
from sim.scenario.validation import get_path, with_overrides
from sim.scenario.yamlio import Marks, where


@dataclass(frozen=True)
class FittedValue:
    """One fitted input: point value (posterior median) and 90% interval."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Fitted:
    """A fitted file: its values, where it came from and its posterior sample."""

    path: Path
    values: dict[str, FittedValue]
    calibration: str
    date: str
    posterior: Path | None

    def source(self, dotted: str) -> str:
        """The note ``sim params`` shows for a fitted input."""
        v = self.values[dotted]
        return (
            f"fitted: 90% interval {v.low:.4g} to {v.high:.4g}; calibration "
            f"{self.calibration} ({self.path.name}, {self.date[:10]})"
        )


def read_fitted(path: Path, *, named_in: str = "", line: int | None = None) -> Fitted:
    """Read a fitted file; errors name the scenario line that points at it.

    Raises:
        ScenarioError: If the file is missing or not a fitted file.
    """
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        values = {
            dotted: FittedValue(float(e["value"]), float(e["low"]), float(e["high"]))
            for dotted, e in document["parameters"].items()
        }
    except FileNotFoundError:
        raise ScenarioError(
            f"no fitted file {str(path)!r}; expected the fitted.yaml of `sim calibrate`",
            path=named_in or str(path), line=line, field="calibration",
        ) from None
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as err:
        raise ScenarioError(
            f"{path}: not a fitted file ({type(err).__name__}: {err}); expected "
            "parameters: {path: {value, low, high}}",
            path=named_in or str(path), line=line, field="calibration",
        ) from None
    posterior = document.get("posterior")
    return Fitted(
        path,
        values,
        str(document.get("calibration", path.stem)),
        str(document.get("date", "")),
        (path.parent / posterior) if posterior else None,
    )


def given(data: Any, dotted: str) -> bool:
    """Whether the scenario file itself sets ``dotted`` (nested keys or an index)."""
    node = data
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def apply_fitted(scenario: Scenario, data: Any, path: str, marks: Marks) -> Scenario:
    """The scenario with its fitted file's values under its own settings.

    The ``calibration`` field is rewritten as an absolute path, so resolved copies of
    the scenario (in results directories) still find the file.
    """
    if scenario.calibration is None:
        return scenario
    written = where(marks, ("calibration",), path, key=False)  # a base's line, in the base
    file = (Path(path).parent / scenario.calibration).resolve()
    fitted = read_fitted(file, named_in=written["path"], line=written["line"])
    defaults: dict[str, Any] = {
        dotted: v.value for dotted, v in fitted.values.items() if not given(data, dotted)
    }
    defaults["calibration"] = str(file)
    return with_overrides(scenario, defaults, path=path, marks=Marks())


def fitted_in_force(scenario: Scenario) -> Fitted | None:
    """The scenario's fitted file, keeping only the values the scenario did not override."""
    if scenario.calibration is None:
        return None
    fitted = read_fitted(Path(scenario.calibration))
    kept = {
        dotted: v for dotted, v in fitted.values.items()
        if float(get_path(scenario, dotted)) == v.value
    }
    return Fitted(fitted.path, kept, fitted.calibration, fitted.date, fitted.posterior)


def mark_fitted(scenario: Scenario, rows: list[ParameterRow]) -> list[ParameterRow]:
    """The parameter table with the inputs whose fitted value is in force as kind ``fitted``."""
    fitted = fitted_in_force(scenario)
    if fitted is None:
        return rows
    return [
        replace(row, kind="fitted", note=fitted.source(row.path))
        if row.path in fitted.values
        else row
        for row in rows
    ]
