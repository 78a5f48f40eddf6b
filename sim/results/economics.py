"""Cost-effectiveness of every variant against the baseline: cost per child-year averted.

Costs are the run's totals by heading (``world.costs`` unit costs, stated
assumptions, and the graduate programmes' spend). The model also gives each
heading's present value at the run's start, discounted from when it was spent at
the Green Book's 3.5% a year (``world.costs.discount_rate_per_year``, a fact;
``sim/model/spending.py``), and the child-years truly inadequate discounted at the
same rate. The cost per child-year averted is on the discounted figures, costs
*and* child-years: discounting only the costs would make any policy look cheaper
per child-year the later it spends, whatever it achieves (the Green Book discounts
every cost and benefit, non-monetised ones included; its lower 1.5% rate is for
health outcomes valued as QALYs or lives, which child-years in inadequate services
are not). The undiscounted ratio is kept beside it.

Each variant is paired with the baseline by (point, replication) under common
random numbers: child-years averted (baseline minus variant), the extra cost
(variant minus baseline), and their ratio with a Fieller 95% interval
(``analysis.ratio_ci``: unbounded, so empty, when the child-years averted are not
distinguishable from zero; no ratio when nothing is averted on average).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.model.spending import COST_HEADINGS
from sim.results.analysis import _without_sd, mean_ci, ratio_ci

OUTCOME = "child_years_truly_inadequate"
COLUMNS = ["variant", "reference", "metric", "mean", "ci_low", "ci_high", "n"]
# (effect column, cost column, ratio metric): discounted first, the headline ratio.
RATIOS = (
    (f"{OUTCOME}_discounted", "cost_total_discounted_gbp", "cost_per_child_year_averted_gbp"),
    (OUTCOME, "cost_total_gbp", "cost_per_child_year_averted_undiscounted_gbp"),
)


def total_cost(replications: pd.DataFrame) -> pd.Series:
    """Each replication's cost over every heading it has (GBP, undiscounted)."""
    if "cost_total_gbp" in replications.columns:
        return replications["cost_total_gbp"]
    present = [c for c in COST_HEADINGS if c in replications.columns]
    return replications[present].sum(axis=1)


def cost_effectiveness(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per variant against ``baseline``: child-years averted, extra total cost and cost per
    child-year averted (Fieller 95%), discounted and undiscounted.

    Rows ``variant, reference, metric, mean, ci_low, ci_high, n``; empty without
    variants or costs. Results without the discounted columns give the undiscounted
    rows only.
    """
    if OUTCOME not in replications.columns or not set(COST_HEADINGS) & set(replications):
        return pd.DataFrame(columns=COLUMNS)
    frame = replications.assign(cost_total_gbp=total_cost(replications))
    ratios = [r for r in RATIOS if {r[0], r[1]} <= set(frame.columns)]
    base = frame[frame["variant"] == baseline]
    rows = []
    for variant, group in frame.groupby("variant", sort=False):
        if variant == baseline:
            continue
        paired = group.merge(base, on=["point", "replication"], suffixes=("", "#base"))
        for effect, cost, ratio in ratios:
            averted = _difference(paired, effect, baseline_minus_variant=True)
            extra = _difference(paired, cost, baseline_minus_variant=False)
            for metric, (mean, low, high, n) in (
                (f"{effect}_averted", _without_sd(mean_ci(averted))),
                (f"{cost}_extra", _without_sd(mean_ci(extra))),
                (ratio, ratio_ci(extra, averted)),
            ):
                rows.append([variant, baseline, metric, mean, low, high, n])
    return pd.DataFrame(rows, columns=COLUMNS)


def _difference(paired: pd.DataFrame, column: str, *, baseline_minus_variant: bool) -> np.ndarray:
    """Per pair: baseline minus variant (an effect averted) or variant minus baseline (a cost)."""
    variant = paired[column].to_numpy(dtype=float)
    base = paired[f"{column}#base"].to_numpy(dtype=float)
    return base - variant if baseline_minus_variant else variant - base
