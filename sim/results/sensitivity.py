"""Sensitivity indices that know their noise: replication bootstrap, noise share, warnings.

A sweep's indices are computed on the replication-averaged outcome of each point
(``sim.experiments.designs``: Sobol' S1/ST for Sobol' designs, SRC/PRCC for LHS).
With few replications per point, those averages still carry replication noise,
and noise looks like sensitivity: it adds variance that no parameter explains, and
spreads every index. So each index comes with

- a bootstrap interval over replications (``<index>_low``, ``<index>_high``):
  replications are resampled with replacement, the same ones at every point (under
  common random numbers replication r of every point shares its streams), the
  point means recomputed and the index recomputed, ``RESAMPLES`` times; percentile
  intervals for the raw indices, basic (reverse-percentile) intervals for the net
  ones below, since a resample's repeated replications shrink its own noise
  estimate and so bias the resampled net indices upwards;
- the share of the across-point variance of the averaged outcome that is
  replication noise (``noise_share``), from a two-way (point x replication)
  analysis of variance: the residual mean square is the noise variance of one
  replication that does not cancel between points; divided by the replications
  per point it is the noise left in the average;
- for Sobol' designs, the indices with that noise taken out (``S1_net``,
  ``ST_net``, ``net_sobol``): noise inflates the output variance and the
  estimators' numerators, each by the noise covariance of the points it combines,
  so pure noise gives ST near 1 for every parameter (what 4 replications per point
  of the shipped sweep showed) and ST_net near 0;
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


def _sobol_raw(y: np.ndarray, dims: int) -> dict[str, np.ndarray]:
    """SALib's S1 and ST (Saltelli 2010) of many outputs at once, shape (D, resamples).

    Outputs are standardised per column first, as SALib's ``analyze`` does: the
    first-order estimator is not shift-invariant in a sample.
    """
    spread = y.std(axis=0)
    y = (y - y.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    step = dims + 2
    a, b = y[0::step], y[step - 1 :: step]
    with warnings.catch_warnings():  # SALib warns of constant outputs; their indices are 0
        warnings.simplefilter("ignore", UserWarning)
        first = [first_order(a, y[j + 1 :: step], b) for j in range(dims)]
        total = [total_order(a, y[j + 1 :: step], b) for j in range(dims)]
    return {"S1": np.array(first).reshape(dims, -1), "ST": np.array(total).reshape(dims, -1)}


def _mean_product(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased mean over rows of E[x] E[y] from replications (rows x replications).

    The product of two replication means overstates the product of their expectations
    by their covariance over replications divided by R; that is taken off, row by row.
    """
    reps = x.shape[1]
    xm, ym = x.mean(axis=1), y.mean(axis=1)
    cov = ((x - xm[:, None]) * (y - ym[:, None])).sum(axis=1) / (reps - 1)
    return float((xm * ym - cov / reps).mean())


def net_sobol(matrix: np.ndarray, dims: int) -> dict[str, np.ndarray]:
    """S1 and ST of the expected outcome, with replication noise taken out, shape (D,).

    The same Saltelli (first order) and Jansen (total) estimators as SALib, applied to
    replication means, overstate their numerators by the covariance of the noise of the
    points they combine: under common random numbers A and AB_j differ in one parameter
    only, so their noise is nearly the same when that parameter does little, while
    independent streams make it independent. Each product of means is therefore
    corrected by its own covariance over replications (``_mean_product``), and the
    output variance by the two-way residual noise of the A and B points
    (``noise_variance``). Pure noise gives ST near 1 for every parameter and these
    near 0. NaN where noise is all the variance there is.
    """
    complete = matrix[:, np.isfinite(matrix).all(axis=0)]
    if complete.shape[1] < 2:
        return {"S1_net": np.full(dims, math.nan), "ST_net": np.full(dims, math.nan)}
    complete = complete - complete.mean()
    step = dims + 2
    a, b = complete[0::step], complete[step - 1 :: step]
    rows = np.r_[a, b]
    noise, spread = noise_variance(rows)
    if spread == 0.0 and noise == 0.0:  # the expected outcome is the same at every point
        return {"S1_net": np.zeros(dims), "ST_net": np.zeros(dims)}
    variance = spread - noise
    if not variance > 1e-12 * max(float(np.abs(rows).max()), 1.0) ** 2:
        return {"S1_net": np.full(dims, math.nan), "ST_net": np.full(dims, math.nan)}
    s1, st = np.empty(dims), np.empty(dims)
    for j in range(dims):
        ab = complete[j + 1 :: step]
        s1[j] = _mean_product(b, ab - a) / variance
        st[j] = 0.5 * _mean_product(a - ab, a - ab) / variance
    return {"S1_net": s1, "ST_net": st}


def _resampled(matrix: np.ndarray, seed: int, resamples: int) -> list[np.ndarray]:
    """Bootstrap samples of replications: the same replications drawn at every point."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14,)))
    reps = matrix.shape[1]
    return [matrix[:, c] for c in rng.integers(0, reps, size=(resamples, reps))]


def bootstrap_indices(
    matrix: np.ndarray,
    parameters: Sequence[ParameterRange],
    design_points: Sequence[Point],
    method: str,
    seed: int,
    resamples: int = RESAMPLES,
) -> dict[str, np.ndarray]:
    """Bootstrap distribution over replications of each index, shape (D, resamples)."""
    samples = _resampled(matrix, seed, resamples)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a point with no finite value
        means = np.stack([np.nanmean(m, axis=1) for m in samples], axis=1)
    keep = np.isfinite(means).all(axis=0)
    if method == "sobol":
        dims = len(parameters)
        draws = _sobol_raw(means[:, keep], dims)
        nets = [net_sobol(m, dims) for m, k in zip(samples, keep, strict=True) if k]
        for name in ("S1_net", "ST_net"):
            draws[name] = np.array([n[name] for n in nets]).T.reshape(dims, -1)
        return draws
    means = means[:, keep]
    lists: dict[str, list[np.ndarray]] = {"src": [], "prcc": []}
    for column in means.T:
        if np.ptp(column) == 0:
            frame = pd.DataFrame({"src": np.zeros(len(parameters)), "prcc": 0.0})
        else:
            frame = regression_indices(parameters, design_points, column)
        for name in lists:
            lists[name].append(frame[name].to_numpy(dtype=float))
    return {name: np.array(values).T.reshape(len(parameters), -1) for name, values in lists.items()}


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
        point = net_sobol(matrix, len(parameters))
        table["S1_net"], table["ST_net"] = point["S1_net"], point["ST_net"]
    tail = (1 - LEVEL) / 2
    if reps >= 2:
        draws = bootstrap_indices(matrix, parameters, design_points, method, seed)
        for name, values in draws.items():
            with warnings.catch_warnings():  # an index all NaN (all noise) stays NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                low = np.nanquantile(values, tail, axis=1)
                high = np.nanquantile(values, 1 - tail, axis=1)
            if name.endswith("_net"):  # basic interval: undoes the resampling bias
                estimate = table[name].to_numpy(dtype=float)
                low, high = 2 * estimate - high, 2 * estimate - low
            table[f"{name}_low"], table[f"{name}_high"] = low, high
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
    warning = unknown | ((low <= 0) & ~exact_zero)  # not clearly above 0 (indices are >= 0)
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
