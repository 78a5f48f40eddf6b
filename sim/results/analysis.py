"""Summaries with confidence intervals, paired comparisons, sweep points and sensitivity.

Intervals are Student-t 95% intervals over replications (each replication is
one independent draw of the whole system). Variants share the random numbers of
a replication, so their difference from the baseline is taken within each
replication first (a paired comparison), which removes the noise they share.
Two results directories are compared the same way when their seeds match, and
with Welch's unequal-variance interval when they do not. Sweeps are summarised
per point; their sensitivity indices, with the noise they carry, are in
``sim.results.sensitivity``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.model.recorder import OUTCOMES
from sim.results import multiplicity

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
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half, sd, n


@functools.lru_cache(maxsize=256)
def t_quantile(probability: float, dof: int) -> float:
    """Student-t quantile, once per (probability, degrees of freedom): a summary asks for
    the same one for every metric, and scipy's ``ppf`` costs ~80 us a call."""
    return float(stats.t.ppf(probability, dof))


def metric_columns(replications: pd.DataFrame) -> list[str]:
    """The outcome columns of a replications table, in registry order."""
    known = [m for m in OUTCOMES if m in replications.columns]
    others = [c for c in replications.columns if c not in ID_COLUMNS and c not in OUTCOMES]
    return known + [c for c in others if pd.api.types.is_numeric_dtype(replications[c])]


def summarise(replications: pd.DataFrame) -> pd.DataFrame:
    """Per variant and metric: mean, 95% CI, sd and n over replications."""
    rows = []
    metrics = metric_columns(replications)
    for variant, group in replications.groupby("variant", sort=False):
        values = group[metrics].to_numpy(dtype=float)  # one conversion, not one per metric
        for column, metric in enumerate(metrics):
            mean, low, high, sd, n = mean_ci(values[:, column])
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
    """Each variant minus the baseline, paired by (point, replication), with a 95% CI.

    Also the paired t-test p-value, its Holm adjustment and simultaneous intervals
    over each outcome's family of variant comparisons (``sim.results.multiplicity``).
    """
    keys = ["point", "replication"]
    base = replications[replications["variant"] == baseline]
    rows = []
    for variant, group in replications.groupby("variant", sort=False):
        if variant == baseline:
            continue
        paired = group.merge(base, on=keys, how="inner", suffixes=("", "#base"))
        for metric in metric_columns(replications):
            diff = (paired[metric] - paired[f"{metric}#base"]).to_numpy(dtype=float)
            mean, low, high, sd, n = mean_ci(diff)
            p_value = multiplicity.paired_p_value(diff)
            rows.append([variant, baseline, metric, mean, low, high, n, sd, p_value])
    columns = ["variant", "baseline", "metric", "mean_diff", "ci_low", "ci_high", "n"]
    table = pd.DataFrame(rows, columns=[*columns, "sd_diff", "p_value"])
    return multiplicity.adjust(table).drop(columns="sd_diff")


PROGRAMME_METRICS = ("recruitment_spend_gbp", "graduates_qualified")


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
    t2 = t_quantile(0.5 + level / 2, n - 1) ** 2
    a = e * e - t2 * cov[1, 1]
    b = -2.0 * (c * e - t2 * cov[0, 1])
    disc = b * b - 4.0 * a * (c * c - t2 * cov[0, 0])
    if a <= 0 or disc < 0:
        return c / e, math.nan, math.nan, n
    root = math.sqrt(disc)
    return c / e, (-b - root) / (2 * a), (-b + root) / (2 * a), n


def _without_sd(
    stats_row: tuple[float, float, float, float, int],
) -> tuple[float, float, float, int]:
    mean, low, high, _, n = stats_row
    return mean, low, high, n


def point_summary(replications: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """Per variant and sweep point: the parameters, n, and mean and 95% CI of every outcome.

    Args:
        replications: Replications table of a sweep (ids, seed, outcomes).
        design: One row per point: ``point`` and one column per parameter path.

    Returns:
        ``variant, point, <parameters>, n, <metric>_mean, <metric>_ci_low, <metric>_ci_high``
        for every outcome, in the replications' variant order and point order.
    """
    metrics = metric_columns(replications)
    rows = []
    for (variant, point), group in replications.groupby(["variant", "point"], sort=False):
        row: dict[str, object] = {"variant": variant, "point": point, "n": len(group)}
        for metric in metrics:
            mean, low, high, _, _ = mean_ci(group[metric].to_numpy(dtype=float))
            row.update({f"{metric}_mean": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high})
        rows.append(row)
    table = pd.DataFrame(rows)
    table = table.merge(design, on="point", how="left", validate="many_to_one")
    first = ["variant", "point", *[c for c in design.columns if c != "point"], "n"]
    return table[first + [c for c in table.columns if c not in first]]


def welch_interval(a: np.ndarray, b: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean(b) - mean(a), ci_low, ci_high): Welch's t interval for independent samples."""
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) < 2 or len(b) < 2:
        diff = float(b.mean() - a.mean()) if len(a) and len(b) else math.nan
        return diff, math.nan, math.nan
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = float(b.mean() - a.mean()), math.sqrt(va + vb)
    if se == 0.0:
        return diff, diff, diff
    dof = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
    return diff, diff - half, diff + half


def seeds_match(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """True when two groups of replications hold the same (point, replication, seed) keys.

    Their replications then share random numbers, so a paired comparison is valid.
    """
    keys = ["point", "replication", "seed"]
    left, right = a[keys].sort_values(keys), b[keys].sort_values(keys)
    return len(a) == len(b) and bool((left.to_numpy() == right.to_numpy()).all())


def compare_runs(
    first: pd.DataFrame, second: pd.DataFrame, label: str, metrics: list[str] | None = None
) -> pd.DataFrame:
    """Second minus first, per variant in both and metric: paired if seeds match, else Welch.

    Returns:
        ``variant, baseline, metric, mean_a, mean_b, mean_diff, ci_low, ci_high, n_a, n_b,
        method``; ``baseline`` holds ``label`` (what the differences are taken from).
    """
    names = metrics or [m for m in metric_columns(second) if m in first.columns]
    rows = []
    for variant in dict.fromkeys(second["variant"]):
        a, b = first[first["variant"] == variant], second[second["variant"] == variant]
        if a.empty:
            continue
        paired = seeds_match(a, b)
        merged = a.merge(b, on=["point", "replication"], suffixes=("#a", "#b"))
        for metric in names:
            va, vb = a[metric].to_numpy(dtype=float), b[metric].to_numpy(dtype=float)
            if paired:
                diff = (merged[f"{metric}#b"] - merged[f"{metric}#a"]).to_numpy(dtype=float)
                mean, low, high, _, _ = mean_ci(diff)
            else:
                mean, low, high = welch_interval(va, vb)
            rows.append(
                {
                    "variant": variant,
                    "baseline": label,
                    "metric": metric,
                    "mean_a": float(np.nanmean(va)) if np.isfinite(va).any() else math.nan,
                    "mean_b": float(np.nanmean(vb)) if np.isfinite(vb).any() else math.nan,
                    "mean_diff": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "n_a": len(a),
                    "n_b": len(b),
                    "method": "paired" if paired else "welch",
                }
            )
    return pd.DataFrame(rows)


def relative_precision(
    replications: pd.DataFrame, baseline: str, metrics: list[str]
) -> pd.DataFrame:
    """95% CI half-width of each metric relative to its mean (of the paired difference
    against the baseline when there are variants).

    Returns:
        ``variant, metric, mean, half_width, relative``; relative is 0 when the interval has
        zero width, and infinite when it cannot be computed (fewer than two finite values)
        or the mean is zero.
    """
    if replications["variant"].nunique() > 1:
        rows = compare(replications, baseline)
        rows = rows[rows["metric"].isin(metrics)].rename(columns={"mean_diff": "mean"})
    else:
        rows = summarise(replications)
        rows = rows[rows["metric"].isin(metrics)]
    rows = rows[["variant", "metric", "mean", "ci_low", "ci_high"]].reset_index(drop=True)
    half = (rows["ci_high"] - rows["ci_low"]) / 2
    relative = [
        0.0 if h == 0 else h / abs(m) if np.isfinite(h) and m != 0 else math.inf
        for m, h in zip(rows["mean"], half, strict=True)
    ]
    rows = rows.assign(half_width=half, relative=relative)
    return rows[["variant", "metric", "mean", "half_width", "relative"]]
