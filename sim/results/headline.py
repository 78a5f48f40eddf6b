"""The report's headline comparison: one table per group of outcomes, variants as rows.

With outcomes as rows and variants as columns the table grew sideways with every
variant (9 variants scrolled at 1280 px). Here each group of related headline
outcomes (children in failing services; takeovers and the workforce; spending) is
a table whose columns are its few outcomes and whose rows are the baseline (mean
[95% CI]) and each variant (difference from the baseline, paired by replication):
it grows downwards with the variants and stays as wide as its outcomes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.model.recorder import HEADLINE
from sim.model.spending import COST_HEADINGS, discounted
from sim.results import measures, narrative

DIFF = ("mean_diff", "ci_low", "ci_high")
# (title, outcomes, short column labels); headline outcomes in no group go to a last one.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Children in failing services",
        (
            "child_years_truly_inadequate",
            "child_years_judged_inadequate",
            "detection_delay_months_mean",
            "recovery_months_mean",
        ),
    ),
    (
        "Takeovers and the workforce",
        ("takeovers", "sponsor_wait_months_mean", "vacancy_rate_mean", "graduates_qualified"),
    ),
    (
        "Spending (GBP; present value: discounted to the start at {rate} a year)",
        (*COST_HEADINGS, "cost_total_gbp", "cost_total_discounted_gbp"),
    ),
)
SHORT = {
    "cost_commissioners_gbp": "commissioners",
    "cost_trusts_gbp": "trusts",
    "cost_inspections_gbp": "inspections",
    "recruitment_spend_gbp": "graduate programmes",
    "cost_total_gbp": "total",
    "cost_total_discounted_gbp": "total, present value",
}
HEADING_LABELS = {**SHORT, "cost_total_gbp": "all headings"}


@dataclass(frozen=True)
class Cell:
    """A table cell: its text, its interval and a CSS class (better, worse or unclear)."""

    text: str
    interval: str = ""
    css: str = ""


def split(text: str) -> tuple[str, str]:
    """'mean [low, high]' as the mean and the bracket, shown on two lines."""
    mean, _, rest = text.partition(" [")
    return mean, f"[{rest}" if rest else ""


def _records(frame: pd.DataFrame | None, *keys: str) -> dict[Any, dict[str, Any]]:
    if frame is None:
        return {}
    return {
        tuple(str(r[k]) for k in keys): {str(c): v for c, v in r.items()}
        for r in frame.to_dict("records")
    }


def headline(
    summary: pd.DataFrame | None,
    comparison: pd.DataFrame | None,
    baseline: str,
    rate: str = "3.5%",
) -> list[dict[str, Any]]:
    """The groups: each with its title, columns (label, unit, better) and rows (variant,
    note, cells), the baseline's row first; ``rate`` is the discount rate as text for the
    spending group's title. Empty without a summary."""
    if summary is None or summary.empty:
        return []
    if baseline not in set(summary["variant"]):
        baseline = str(summary["variant"].iloc[0])
    base = _records(summary[summary["variant"] == baseline], "metric")
    diffs = _records(comparison, "variant", "metric")
    variants = [] if comparison is None else [str(v) for v in dict.fromkeys(comparison["variant"])]
    groups = []
    for title, metrics in _groups([m for (m,) in base]):
        rows = [{"variant": baseline, "note": "mean [95% CI]", "cells": _base(base, metrics)}]
        rows += [
            {"variant": v, "note": f"minus {baseline}", "cells": _diffs(diffs, v, metrics)}
            for v in variants
        ]
        groups.append(
            {
                "title": title.format(rate=rate),
                "columns": [_column(m) for m in metrics],
                "rows": rows,
            }
        )
    return groups


def _groups(present: Sequence[str]) -> list[tuple[str, list[str]]]:
    """The groups' outcomes that the summary has; headline outcomes left over go last."""
    found = [(title, [m for m in metrics if m in present]) for title, metrics in GROUPS]
    grouped = {m for _, metrics in GROUPS for m in metrics}
    found.append(
        ("Other headline outcomes", [m for m in HEADLINE if m in present and m not in grouped])
    )
    return [(title, metrics) for title, metrics in found if metrics]


def _column(metric: str) -> dict[str, str]:
    label = SHORT.get(metric) or narrative.PHRASES.get(metric, (metric.replace("_", " "), ""))[0]
    note, better = measures.unit(metric), measures.better(metric)
    if better != "neither":
        note = f"{note}, {better} is better"
    return {"metric": metric, "label": label, "note": note}


def _base(base: dict[Any, dict[str, Any]], metrics: Sequence[str]) -> list[Cell]:
    cells = []
    for metric in metrics:
        mean, low, high = (float(base[(metric,)][c]) for c in ("mean", "ci_low", "ci_high"))
        cells.append(Cell(*split(narrative.estimate(metric, mean, low, high, bare=True))))
    return cells


def _diffs(diffs: dict[Any, dict[str, Any]], variant: str, metrics: Sequence[str]) -> list[Cell]:
    cells = []
    for metric in metrics:
        row = diffs.get((variant, metric))
        if row is None:
            cells.append(Cell("-"))
            continue
        mean, low, high = (float(row[c]) for c in DIFF)
        text = narrative.estimate(metric, mean, low, high, difference=True, bare=True)
        cells.append(Cell(*split(text), narrative.verdict(metric, low, high)))
    return cells


def cost_rows(summary: pd.DataFrame | None, variant: str) -> list[dict[str, str]]:
    """Per heading and in all: a variant's mean spending undiscounted and at present value."""
    if summary is None:
        return []
    means = {
        str(r["metric"]): float(r["mean"])
        for r in summary[summary["variant"] == variant].to_dict("records")
    }
    rows = []
    for heading in (*COST_HEADINGS, "cost_total_gbp"):
        present = discounted(heading)
        if heading in means and present in means:
            rows.append(
                {
                    "heading": HEADING_LABELS[heading],
                    "undiscounted": narrative.amount(means[heading], "money"),
                    "present": narrative.amount(means[present], "money"),
                }
            )
    return rows
