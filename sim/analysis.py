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
