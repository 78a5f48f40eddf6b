"""Results in long format: one row per outcome and variant, for any width and any tool.

A wide table (one column per variant) cannot be read at 80 columns once there
are more than two variants; a long one can, and it is also what a spreadsheet,
``jq`` or a markdown document wants. ``outcome_rows`` joins a run's summary and
its paired comparison; ``write`` renders any such frame as CSV, JSON or markdown.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Literal

import pandas as pd
from pydantic import BaseModel

from sim.errors import SimError
from sim.results import measures
from sim.scenario.fields import parameter_table
from sim.scenario.fitted import mark_fitted
from sim.scenario.schema import Scenario

Format = Literal["table", "csv", "json", "markdown"]
OUTCOME_COLUMNS = [
    "metric",
    "unit",
    "better",
    "variant",
    "mean",
    "ci_low",
    "ci_high",
    "n",
    "diff",
    "diff_low",
    "diff_high",
]


def outcome_rows(summary: pd.DataFrame, comparison: pd.DataFrame | None) -> pd.DataFrame:
    """Per metric (registry order) and variant: mean [95% CI] and the paired difference."""
    frame = summary[["metric", "variant", "mean", "ci_low", "ci_high", "n"]].copy()
    if comparison is not None and not comparison.empty:
        diffs = comparison[["metric", "variant", "mean_diff", "ci_low", "ci_high"]].rename(
            columns={"mean_diff": "diff", "ci_low": "diff_low", "ci_high": "diff_high"}
        )
        frame = frame.merge(diffs, on=["metric", "variant"], how="left")
    else:
        frame = frame.assign(diff=math.nan, diff_low=math.nan, diff_high=math.nan)
    frame["unit"] = frame["metric"].map(measures.unit)
    frame["better"] = frame["metric"].map(measures.better)
    order = {m: i for i, m in enumerate(dict.fromkeys(summary["metric"]))}
    frame = frame.sort_values("metric", key=lambda s: s.map(order), kind="stable")
    return frame[OUTCOME_COLUMNS].reset_index(drop=True)


def markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table of ``frame`` (numbers in full precision)."""

    def cell(value: object) -> str:
        if isinstance(value, float):
            return "" if math.isnan(value) else f"{value:.6g}"
        return str(value).replace("|", "\\|")

    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([header, rule, *rows])


def write(frame: pd.DataFrame, form: Format) -> str:
    """``frame`` as CSV, JSON (a list of records, NaN as null) or markdown text."""
    if form == "csv":
        return str(frame.to_csv(index=False))
    if form == "json":
        records = json.loads(frame.to_json(orient="records"))
        return json.dumps(records, indent=1)
    if form == "markdown":
        return markdown(frame)
    raise ValueError(f"no text rendering for format {form!r}")


SECTION_DEPTH = 2  # 'world.performance.reversion_rate' is in section 'world.performance'


def section_of(path: str) -> str:
    """The section a dotted input belongs to: its first two parts (or 'run')."""
    parts = path.split(".")
    return ".".join(parts[:SECTION_DEPTH]) if len(parts) > SECTION_DEPTH else parts[0]


def parameter_frame(
    scenario: BaseModel, kinds: Sequence[str] | None = None, prefix: str | None = None
) -> pd.DataFrame:
    """Every input of a scenario: section, path, value, unit, kind, source or reason.

    Raises:
        SimError: If a kind is unknown or nothing lies under ``prefix``.
    """
    rows = parameter_table(scenario)
    if isinstance(scenario, Scenario):
        rows = mark_fitted(scenario, rows)
    known = sorted({r.kind for r in rows} | {"fitted"})
    for kind in kinds or ():
        if kind not in known:
            raise SimError(f"--kind {kind!r}: unknown; expected one of {', '.join(known)}")
    chosen = [
        r
        for r in rows
        if (not kinds or r.kind in kinds)
        and (not prefix or r.path == prefix or r.path.startswith(f"{prefix.rstrip('.')}."))
    ]
    if prefix and not any(r.path.startswith(prefix) for r in rows):
        raise SimError(f"--prefix {prefix!r}: no input under it (e.g. world.performance)")
    return pd.DataFrame(
        [
            {
                "section": section_of(r.path),
                "path": r.path,
                "value": r.value if isinstance(r.value, int | float | str | bool) else str(r.value),
                "unit": r.unit,
                "kind": r.kind,
                "calibrate": bool(getattr(r, "calibrate", False)),
                "source": r.note or r.description,
            }
            for r in chosen
        ],
        columns=["section", "path", "value", "unit", "kind", "calibrate", "source"],
    )
