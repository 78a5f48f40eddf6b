"""Cost per child-year averted: every variant against the baseline, and the programmes.

``cost_effectiveness`` (cost_effectiveness.csv) takes every heading's cost of each
variant against the baseline; ``programme_value`` (derived.csv) takes the graduate
programmes' spend of each variant against the variant without programmes.

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
from sim.results.analysis import _without_sd, mean_ci, ratio_ci, reference_variant

OUTCOME = "child_years_truly_inadequate"
COLUMNS = ["variant", "reference", "metric", "mean", "ci_low", "ci_high", "n"]
Ratio = tuple[str, str, str]  # (effect column, cost column, ratio metric)
# Discounted first: ``cost_per_child_year_averted_gbp`` is always the discounted ratio.
TOTAL: tuple[Ratio, ...] = (
    (f"{OUTCOME}_discounted", "cost_total_discounted_gbp", "cost_per_child_year_averted_gbp"),
    (OUTCOME, "cost_total_gbp", "cost_per_child_year_averted_undiscounted_gbp"),
)
PROGRAMMES: tuple[Ratio, ...] = (
    (
        f"{OUTCOME}_discounted",
        "recruitment_spend_discounted_gbp",
        "cost_per_child_year_averted_gbp",
    ),
    (OUTCOME, "recruitment_spend_gbp", "cost_per_child_year_averted_undiscounted_gbp"),
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
    return paired_value(frame, baseline, TOTAL)


def programme_value(replications: pd.DataFrame, reference: str | None = None) -> pd.DataFrame:
    """What each variant's graduate programmes bought against the variant without them.

    Paired as ``cost_effectiveness`` is, on the programmes' spend only, discounted and
    undiscounted. ``reference`` defaults to ``analysis.reference_variant``.

    Returns:
        Rows ``variant, reference, metric, mean, ci_low, ci_high, n``; empty when
        no variant is without programmes.
    """
    reference = reference or reference_variant(replications)
    if reference is None:
        return pd.DataFrame(columns=COLUMNS)
    return paired_value(replications, reference, PROGRAMMES)


def paired_value(frame: pd.DataFrame, reference: str, ratios: tuple[Ratio, ...]) -> pd.DataFrame:
    """Per variant against ``reference``, paired by (point, replication), for each ratio
    whose columns ``frame`` has: effect averted, extra cost and their Fieller ratio."""
    present = [r for r in ratios if {r[0], r[1]} <= set(frame.columns)]
    base = frame[frame["variant"] == reference]
    rows = []
    for variant, group in frame.groupby("variant", sort=False):
        if variant == reference:
            continue
        paired = group.merge(base, on=["point", "replication"], suffixes=("", "#base"))
        for effect, cost, ratio in present:
            averted = _difference(paired, effect, baseline_minus_variant=True)
            extra = _difference(paired, cost, baseline_minus_variant=False)
            for metric, (mean, low, high, n) in (
                (f"{effect}_averted", _without_sd(mean_ci(averted))),
                (f"{cost}_extra", _without_sd(mean_ci(extra))),
                (ratio, ratio_ci(extra, averted)),
            ):
                rows.append([variant, reference, metric, mean, low, high, n])
    return pd.DataFrame(rows, columns=COLUMNS)


def _difference(paired: pd.DataFrame, column: str, *, baseline_minus_variant: bool) -> np.ndarray:
    """Per pair: reference minus variant (an effect averted) or variant minus reference."""
    variant = paired[column].to_numpy(dtype=float)
    base = paired[f"{column}#base"].to_numpy(dtype=float)
    return base - variant if baseline_minus_variant else variant - base
