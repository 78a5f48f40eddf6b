"""Summaries with confidence intervals, and paired comparisons between variants.

Intervals are Student-t 95% intervals over replications (each replication is
one independent draw of the whole system). Variants share the random numbers of
a replication, so their difference from the baseline is taken within each
replication first (a paired comparison), which removes the noise they share.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.recorder import OUTCOMES

ID_COLUMNS = ("variant", "point", "replication", "seed")


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float, int]:
    """(mean, ci_low, ci_high, sd, n) of the finite values; NaN interval when n < 2."""
    finite = values[np.isfinite(values)]
    n = len(finite)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(finite.mean())
    if n < 2:
        return mean, math.nan, math.nan, math.nan, n
    sd = float(finite.std(ddof=1))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return mean, mean - half, mean + half, sd, n


def metric_columns(replications: pd.DataFrame) -> list[str]:
    """The outcome columns of a replications table, in registry order."""
    known = [m for m in OUTCOMES if m in replications.columns]
    others = [c for c in replications.columns if c not in ID_COLUMNS and c not in OUTCOMES]
    return known + [c for c in others if pd.api.types.is_numeric_dtype(replications[c])]


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Per variant and metric: mean, 95% CI, sd and n over replications."""
    rows = []
    for variant, group in replications.groupby("variant", sort=False):
        for metric in metric_columns(replications):
            mean, low, high, sd, n = mean_ci(group[metric].to_numpy(dtype=float))
            rows.append(
                {
                    "variant": variant,
                    "metric": metric,
                    "mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "sd": sd,
                    "n": n,
                }
            )
    return pd.DataFrame(rows, columns=["variant", "metric", "mean", "ci_low", "ci_high", "sd", "n"])


def compare(replications: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Each variant minus the baseline, paired by (point, replication), with a 95% CI."""
    keys = ["point", "replication"]
    base = replications[replications["variant"] == baseline]
    rows = []
    for variant, group in replications.groupby("variant", sort=False):
        if variant == baseline:
            continue
        paired = group.merge(base, on=keys, how="inner", suffixes=("", "#base"))
        for metric in metric_columns(replications):
            diff = (paired[metric] - paired[f"{metric}#base"]).to_numpy(dtype=float)
            mean, low, high, _, n = mean_ci(diff)
            rows.append(
                {
                    "variant": variant,
                    "baseline": baseline,
                    "metric": metric,
                    "mean_diff": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                }
            )
    columns = ["variant", "baseline", "metric", "mean_diff", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=columns)


PROGRAMME_METRICS = ("recruitment_spend_gbp", "graduates_qualified")
DERIVED_UNITS = {
    "child_years_truly_inadequate_averted": "child-years",
    "recruitment_spend_gbp_extra": "GBP",
    "cost_per_child_year_averted_gbp": "GBP per child-year",
}


def reference_variant(replications: pd.DataFrame) -> str | None:
    """The first variant that spent nothing on graduate programmes and qualified nobody."""
    if not set(PROGRAMME_METRICS) <= set(replications.columns):
        return None
    used = replications.groupby("variant", sort=False)[list(PROGRAMME_METRICS)].sum()
    idle = used.index[(used.abs().sum(axis=1) == 0).to_numpy()]
    return str(idle[0]) if len(idle) else None


def ratio_ci(
    cost: np.ndarray, effect: np.ndarray, level: float = 0.95
) -> tuple[float, float, float, int]:
    """(mean cost / mean effect, Fieller interval, n) of paired per-replication values.

    Fieller's interval is the set of ratios R for which ``mean(cost - R effect)``
    is not significantly different from 0; it is unbounded (NaN ends) when the
    effect itself is not significantly different from 0. The ratio is NaN when
    the mean effect is not positive: nothing is averted, so no cost per unit.
    """
    keep = np.isfinite(cost) & np.isfinite(effect)
    cost, effect, n = cost[keep], effect[keep], int(keep.sum())
    if n < 2 or effect.mean() <= 0:
        return math.nan, math.nan, math.nan, n
    c, e = float(cost.mean()), float(effect.mean())
    cov = np.cov(cost, effect, ddof=1) / n
    t2 = float(stats.t.ppf(0.5 + level / 2, n - 1)) ** 2
    a = e * e - t2 * cov[1, 1]
    b = -2.0 * (c * e - t2 * cov[0, 1])
    disc = b * b - 4.0 * a * (c * c - t2 * cov[0, 0])
    if a <= 0 or disc < 0:
        return c / e, math.nan, math.nan, n
    root = math.sqrt(disc)
    return c / e, (-b - root) / (2 * a), (-b + root) / (2 * a), n


def programme_value(
    replications: pd.DataFrame,
    reference: str | None = None,
    outcome: str = "child_years_truly_inadequate",
) -> pd.DataFrame:
    """What each variant's graduate programmes bought against the variant without them.

    Paired by (point, replication) under common random numbers: child-years
    averted (``reference - variant``), extra spend, and the cost per child-year
    averted (ratio of the mean extra spend to the mean child-years averted,
    Fieller 95% interval). ``reference`` defaults to ``reference_variant``.

    Returns:
        Rows ``variant, reference, metric, mean, ci_low, ci_high, n``; empty when
        no variant is without programmes.
    """
    columns = ["variant", "reference", "metric", "mean", "ci_low", "ci_high", "n"]
    reference = reference or reference_variant(replications)
    if reference is None:
        return pd.DataFrame(columns=columns)
    base = replications[replications["variant"] == reference]
    rows = []
    for variant, group in replications.groupby("variant", sort=False):
        if variant == reference:
            continue
        paired = group.merge(base, on=["point", "replication"], suffixes=("", "#ref"))
        averted = (paired[f"{outcome}#ref"] - paired[outcome]).to_numpy(dtype=float)
        spend = "recruitment_spend_gbp"
        extra = (paired[spend] - paired[f"{spend}#ref"]).to_numpy(dtype=float)
        for metric, (mean, low, high, n) in (
            (f"{outcome}_averted", _without_sd(mean_ci(averted))),
            ("recruitment_spend_gbp_extra", _without_sd(mean_ci(extra))),
            ("cost_per_child_year_averted_gbp", ratio_ci(extra, averted)),
        ):
            rows.append([variant, reference, metric, mean, low, high, n])
    return pd.DataFrame(rows, columns=columns)


def _without_sd(
    stats_row: tuple[float, float, float, float, int],
) -> tuple[float, float, float, int]:
    mean, low, high, _, n = stats_row
    return mean, low, high, n
