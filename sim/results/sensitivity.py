"""Sensitivity indices that know their noise: replication bootstrap, noise share, warnings.

A sweep's indices are computed on the replication-averaged outcome of each point
(``sim.experiments.designs``: Sobol' S1/ST for Sobol' designs, SRC/PRCC for LHS).
With few replications per point, those averages still carry replication noise,
and noise looks like sensitivity: it adds variance that no parameter explains, and
spreads every index. So each index comes with

- a bootstrap interval over replications (``<index>_low``, ``<index>_high``):
  replications are resampled with replacement, the same ones at every point (under
  common random numbers replication r of every point shares its streams), the
  point means recomputed and the index recomputed, ``RESAMPLES`` times;
- the share of the across-point variance of the averaged outcome that is
  replication noise (``noise_share``), from a two-way (point x replication)
  analysis of variance: the residual mean square is the noise variance of one
  replication that does not cancel between points; divided by the replications
  per point it is the noise left in the average;
- for Sobol' designs, the indices with that noise taken out (``S1_net``,
  ``ST_net``): noise inflates the output variance and the total-effect numerator
  alike, so pure noise gives ST near 1 for every parameter (what 4 replications per
  point of the shipped sweep showed) and ST_net near 0;
- a warning when the interval of the headline index (ST_net for Sobol', SRC for
  LHS) contains 0, with the replications per point that would narrow it to the
  size of the index (half-widths shrink as 1 / sqrt(replications)).

SALib's own ``S1_conf``/``ST_conf`` are kept: they are the design-sampling
half-widths (bootstrap over the Saltelli rows), a different source of uncertainty.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from SALib.analyze.sobol import first_order, total_order

from sim.experiments.designs import ParameterRange, Point, regression_indices, sobol_indices

RESAMPLES = 200  # bootstrap resamples over replications
LEVEL = 0.95  # two-sided level of the bootstrap intervals
HEADLINE_INDEX = {"sobol": "ST_net", "lhs": "src"}  # the index the noise warning is about
BOOTSTRAPPED = {"sobol": ("S1", "ST", "S1_net", "ST_net"), "lhs": ("src", "prcc")}


def outcome_matrix(group: pd.DataFrame, metric: str) -> np.ndarray:
    """Points x replications matrix of one outcome (rows in point order, NaN if missing)."""
    table = group.pivot_table(index="point", columns="replication", values=metric, dropna=False)
    return table.sort_index().to_numpy(dtype=float)


def noise_variance(matrix: np.ndarray) -> tuple[float, float]:
    """(noise variance of a point mean, variance of the point means) of complete replications.

    Two-way ANOVA without interaction: the residual mean square estimates the variance of
    one replication's noise that differs between points (a replication effect common to
    every point, as common random numbers give, cancels between points); divided by the
    replications R it is the noise variance left in a point mean. NaN with fewer than two
    points or two complete replications; values within floating error of 0 are 0.
    """
    complete = matrix[:, np.isfinite(matrix).all(axis=0)]
    points, reps = complete.shape
    if points < 2 or reps < 2:
        return math.nan, math.nan
    residual = (
        complete
        - complete.mean(axis=1, keepdims=True)
        - complete.mean(axis=0, keepdims=True)
        + complete.mean()
    )
    noise = float((residual**2).sum()) / ((points - 1) * (reps - 1)) / reps
    spread = float(complete.mean(axis=1).var(ddof=1))
    rounding = (1e-12 * float(np.abs(complete).max())) ** 2  # floating error of the means
    return (0.0 if noise <= rounding else noise), (0.0 if spread <= rounding else spread)


def noise_share(matrix: np.ndarray) -> float:
    """Share of the across-point variance of point means that is replication noise (<= 1)."""
    noise, spread = noise_variance(matrix)
    if not math.isfinite(noise) or spread == 0.0:
        return math.nan if not math.isfinite(noise) else (0.0 if noise == 0.0 else 1.0)
    return min(1.0, noise / spread)


def _sobol_batch(y: np.ndarray, dims: int, noise: np.ndarray) -> dict[str, np.ndarray]:
    """S1 and ST of many outputs at once, with and without the noise in them.

    SALib's estimators (Saltelli 2010) give ``S1`` and ``ST``. Replication noise of
    variance ``noise`` in every point mean inflates the output variance by ``noise`` and
    Jansen's total-effect numerator ``mean((A - AB_j)^2) / 2`` by ``noise`` too (A and
    AB_j are different points), while the first-order numerator ``mean(B (AB_j - A))``
    has no noise term; so ``S1_net`` and ``ST_net`` remove it from both. Pure noise thus
    gives ST near 1 for every parameter and ST_net near 0.

    Args:
        y: Outputs of a Sobol' design in SALib's order, shape (points, resamples).
        dims: Number of parameters D (points = N x (D + 2)).
        noise: Noise variance of a point mean, one per resample.

    Returns:
        ``S1, ST, S1_net, ST_net``, each of shape (D, resamples); net values are NaN
        where noise is all the variance there is.
    """
    step = dims + 2
    a, b = y[0::step], y[step - 1 :: step]
    with warnings.catch_warnings():  # SALib warns of constant outputs; their indices are 0
        warnings.simplefilter("ignore", UserWarning)
        first = [first_order(a, y[j + 1 :: step], b) for j in range(dims)]
        total = [total_order(a, y[j + 1 :: step], b) for j in range(dims)]
    s1, st = np.array(first).reshape(dims, -1), np.array(total).reshape(dims, -1)
    variance = np.var(np.r_[a, b], axis=0)
    signal = variance - noise
    quiet = variance <= 0  # nothing varies: every index is 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(quiet, 0.0, noise / np.where(quiet, 1.0, variance))
        scale = np.where(signal > 0, variance / np.where(signal > 0, signal, 1.0), np.nan)
        s1_net = np.where(quiet, 0.0, s1 * scale)
        st_net = np.where(quiet, 0.0, (st - share) * scale)
    return {"S1": s1, "ST": st, "S1_net": s1_net, "ST_net": st_net}


def _resampled(matrix: np.ndarray, seed: int, resamples: int) -> tuple[np.ndarray, np.ndarray]:
    """Point means and their noise variance over bootstrap samples of replications.

    A resample that draws replication i ``n_i`` times has a point mean whose noise
    variance is ``sigma^2 sum(n_i^2) / R^2`` (duplicates do not average out), with
    ``sigma^2`` estimated from the distinct replications drawn; for the sample itself
    (every ``n_i = 1``) this is ``sigma^2 / R``.

    Returns:
        Means (points x resamples) and noise variances (resamples,).
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14,)))
    reps = matrix.shape[1]
    columns = rng.integers(0, reps, size=(resamples, reps))
    with np.errstate(invalid="ignore"):
        means = np.stack([np.nanmean(matrix[:, c], axis=1) for c in columns], axis=1)
    noise = np.empty(resamples)
    for k, drawn in enumerate(columns):
        distinct, counts = np.unique(drawn, return_counts=True)
        per_mean = noise_variance(matrix[:, distinct])[0]  # sigma^2 / len(distinct)
        noise[k] = per_mean * len(distinct) * float((counts**2).sum()) / reps**2
    return means, noise


def bootstrap_indices(
    matrix: np.ndarray,
    parameters: Sequence[ParameterRange],
    design_points: Sequence[Point],
    method: str,
    seed: int,
    resamples: int = RESAMPLES,
) -> dict[str, np.ndarray]:
    """Bootstrap distribution over replications of each index, shape (D, resamples)."""
    means, noise = _resampled(matrix, seed, resamples)
    keep = np.isfinite(means).all(axis=0) & np.isfinite(noise)
    means, noise = means[:, keep], noise[keep]
    if method == "sobol":
        return _sobol_batch(means, len(parameters), noise)
    draws: dict[str, list[np.ndarray]] = {"src": [], "prcc": []}
    for column in means.T:
        if np.ptp(column) == 0:
            frame = pd.DataFrame({"src": np.zeros(len(parameters)), "prcc": 0.0})
        else:
            frame = regression_indices(parameters, design_points, column)
        for name in draws:
            draws[name].append(frame[name].to_numpy(dtype=float))
    return {name: np.array(values).T.reshape(len(parameters), -1) for name, values in draws.items()}


def _point_indices(
    y: np.ndarray,
    parameters: Sequence[ParameterRange],
    design_points: Sequence[Point],
    method: str,
    seed: int,
) -> pd.DataFrame:
    """Indices of the replication-averaged outcome; all 0 when it does not vary."""
    if np.ptp(y) == 0:
        zeros = np.zeros(len(parameters))
        names = [p.path for p in parameters]
        if method == "sobol":
            columns = {"S1": zeros, "S1_conf": zeros, "ST": zeros, "ST_conf": zeros}
            return pd.DataFrame({"parameter": names, **columns})
        return pd.DataFrame({"parameter": names, "src": zeros, "prcc": zeros, "prcc_p": 1.0})
    if method == "sobol":
        return sobol_indices(parameters, design_points, y, seed)
    return regression_indices(parameters, design_points, y)


def needed_replications(estimate: float, low: float, high: float, reps: int) -> float:
    """Replications per point for the interval's half-width to shrink to ``|estimate|``.

    Half-widths shrink as 1 / sqrt(replications); infinite when the estimate is 0
    (no number of replications tells an index of 0 from noise around 0).
    """
    half = (high - low) / 2
    if not (math.isfinite(half) and math.isfinite(estimate)) or estimate == 0:
        return math.inf
    return float(max(reps + 1, math.ceil(reps * (half / abs(estimate)) ** 2)))


def metric_sensitivity(
    matrix: np.ndarray,
    parameters: Sequence[ParameterRange],
    design_points: Sequence[Point],
    method: str,
    seed: int,
) -> pd.DataFrame | None:
    """Indices, replication-bootstrap intervals, noise share and warnings of one outcome.

    Returns:
        One row per parameter, or None when a point has no finite value.
    """
    with np.errstate(invalid="ignore"):
        y = np.nanmean(matrix, axis=1) if matrix.size else np.array([])
    if len(y) == 0 or not np.isfinite(y).all():
        return None
    table = _point_indices(y, parameters, design_points, method, seed)
    reps = matrix.shape[1]
    if method == "sobol":
        noise = np.array([noise_variance(matrix)[0]])
        point = _sobol_batch(y[:, None], len(parameters), noise)
        table["S1_net"], table["ST_net"] = point["S1_net"][:, 0], point["ST_net"][:, 0]
    tail = (1 - LEVEL) / 2
    if reps >= 2:
        draws = bootstrap_indices(matrix, parameters, design_points, method, seed)
        for name, values in draws.items():
            with warnings.catch_warnings():  # an index all NaN (all noise) stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                table[f"{name}_low"] = np.nanquantile(values, tail, axis=1)
                table[f"{name}_high"] = np.nanquantile(values, 1 - tail, axis=1)
    else:
        for name in BOOTSTRAPPED[method]:
            table[f"{name}_low"] = table[f"{name}_high"] = math.nan
    return _with_warnings(table, method, reps, noise_share(matrix))


def _with_warnings(table: pd.DataFrame, method: str, reps: int, share: float) -> pd.DataFrame:
    """Add noise_share, replications, noise_warning and replications_needed columns."""
    head = HEADLINE_INDEX[method]
    low, high = table[f"{head}_low"].to_numpy(), table[f"{head}_high"].to_numpy()
    estimate = table[head].to_numpy(dtype=float)
    unknown = ~(np.isfinite(low) & np.isfinite(high) & np.isfinite(estimate))
    exact_zero = (estimate == 0) & (low == 0) & (high == 0)  # the outcome does not vary at all
    warning = unknown | ((low <= 0) & (high >= 0) & ~exact_zero)
    needed = [
        needed_replications(e, lo, hi, reps) if w else math.nan
        for e, lo, hi, w in zip(estimate, low, high, warning, strict=True)
    ]
    return table.assign(
        noise_share=share, replications=reps, noise_warning=warning, replications_needed=needed
    )


def sensitivity(
    replications: pd.DataFrame,
    parameters: Sequence[ParameterRange],
    design_points: Sequence[Point],
    method: str,
    metrics: Sequence[str],
    seed: int,
) -> pd.DataFrame:
    """Sensitivity of each metric to the swept parameters, per variant, with its noise.

    Args:
        replications: Replications table of a sweep (``variant, point, replication``, outcomes).
        parameters: The swept parameters, in design order.
        design_points: The design's points, in point order.
        method: ``sobol`` or ``lhs`` (grid designs have no indices: empty table).
        metrics: Outcomes to analyse.
        seed: Seed of the bootstrap (the design's seed: same sweep, same intervals).

    Returns:
        ``variant, metric, parameter``, the indices (``S1, S1_conf, ST, ST_conf`` or
        ``src, prcc, prcc_p``), their replication-bootstrap intervals (``*_low``,
        ``*_high``), ``noise_share, replications, noise_warning, replications_needed``.
    """
    frames = []
    if method in HEADLINE_INDEX:
        for variant, group in replications.groupby("variant", sort=False):
            for metric in metrics:
                matrix = outcome_matrix(group, metric)
                frame = metric_sensitivity(matrix, parameters, design_points, method, seed)
                if frame is not None:
                    frames.append(frame.assign(variant=variant, metric=metric))
    if not frames:
        return pd.DataFrame(columns=["variant", "metric", "parameter"])
    table = pd.concat(frames, ignore_index=True)
    first = ["variant", "metric", "parameter"]
    return table[first + [c for c in table.columns if c not in first]]


def noise_warnings(table: pd.DataFrame) -> list[str]:
    """One sentence per index indistinguishable from replication noise (for console and logs)."""
    if table.empty or "noise_warning" not in table.columns:
        return []
    lines = []
    head = "ST_net" if "ST_net" in table.columns else "src"
    for row in table[table["noise_warning"].astype(bool)].itertuples(index=False):
        needed = float(row.replications_needed)  # type: ignore[arg-type]
        more = (
            f"if it is as large as estimated, about {int(needed)} replications per point "
            "would tell it from 0"
            if math.isfinite(needed)
            else "noise hides it: add replications per point (or accept that it may not matter)"
        )
        lines.append(
            f"{row.variant} / {row.metric} / {row.parameter}: {head} = {getattr(row, head):.2f} "
            f"is indistinguishable from replication noise (95% interval over replications "
            f"{getattr(row, head + '_low'):.2f} to {getattr(row, head + '_high'):.2f}, "
            f"{row.replications} per point; noise is {row.noise_share:.0%} of the variance "
            f"between points); {more}"
        )
    return lines
