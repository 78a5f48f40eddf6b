"""Cost-effectiveness of every variant against the baseline: cost per child-year averted.

Costs are the run's totals by heading (``world.costs`` unit costs, stated
assumptions, and the graduate programmes' spend), undiscounted. Each variant is
paired with the baseline by (point, replication) under common random numbers:
child-years in truly inadequate services averted (baseline minus variant), the
extra cost (variant minus baseline), and their ratio with a Fieller 95% interval
(``analysis.ratio_ci``: unbounded, so empty, when the child-years averted are not
distinguishable from zero; no ratio when nothing is averted on average).
"""

from __future__ import annotations

import pandas as pd

from sim.results.analysis import _without_sd, mean_ci, ratio_ci

COST_HEADINGS = (
    "cost_commissioners_gbp",
    "cost_trusts_gbp",
    "cost_inspections_gbp",
    "recruitment_spend_gbp",
)
OUTCOME = "child_years_truly_inadequate"
COLUMNS = ["variant", "reference", "metric", "mean", "ci_low", "ci_high", "n"]


def total_cost(replications: pd.DataFrame) -> pd.Series:
    """Each replication's cost over every heading it has (GBP, undiscounted)."""
    present = [c for c in COST_HEADINGS if c in replications.columns]
    return replications[present].sum(axis=1)


def cost_effectiveness(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per variant against ``baseline``: child-years averted, extra total cost, cost per
    child-year averted (Fieller 95%). Rows ``variant, reference, metric, mean, ci_low,
    ci_high, n``; empty without variants or costs."""
    if OUTCOME not in replications.columns or not set(COST_HEADINGS) & set(replications):
        return pd.DataFrame(columns=COLUMNS)
    frame = replications.assign(cost_total_gbp=total_cost(replications))
    base = frame[frame["variant"] == baseline]
    rows = []
    for variant, group in frame.groupby("variant", sort=False):
        if variant == baseline:
            continue
        paired = group.merge(base, on=["point", "replication"], suffixes=("", "#base"))
        averted = (paired[f"{OUTCOME}#base"] - paired[OUTCOME]).to_numpy(dtype=float)
        extra = (paired["cost_total_gbp"] - paired["cost_total_gbp#base"]).to_numpy(dtype=float)
        for metric, (mean, low, high, n) in (
            (f"{OUTCOME}_averted", _without_sd(mean_ci(averted))),
            ("cost_total_gbp_extra", _without_sd(mean_ci(extra))),
            ("cost_per_child_year_averted_gbp", ratio_ci(extra, averted)),
        ):
            rows.append([variant, baseline, metric, mean, low, high, n])
    return pd.DataFrame(rows, columns=COLUMNS)
