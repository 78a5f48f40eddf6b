"""Experimental designs over scenario parameters (grid, Latin hypercube, Sobol').

LHS and Sobol' samples go through one mapping, so ranges are inclusive, ``log`` ranges
are uniform in log10 space, ``integer`` ranges give each integer equal probability and
discrete ``values`` are picked by index. Points are ``{dotted path: Python scalar}``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from scipy import stats
from scipy.stats import qmc

Value = float | int | str
Point = dict[str, Any]


@dataclass(frozen=True)
class ParameterRange:
    """One swept parameter: discrete ``values`` or an inclusive ``[low, high]`` range."""

    path: str  # dotted path into the scenario, e.g. "policy.deadline_months"
    values: tuple[Value, ...] | None = None  # discrete values (grid; LHS/Sobol pick by index)
    low: float | None = None  # range bounds in the parameter's own units, low < high
    high: float | None = None
    log: bool = False  # uniform in log10 space (low > 0), for scale parameters
    integer: bool = False  # whole numbers, each integer in range equally likely

    def __post_init__(self) -> None:
        """Reject unsampleable ranges early, naming the path."""
        name = f"parameter {self.path!r}"
        if self.values is not None and len(self.values) == 0:
            raise ValueError(f"{name}: values must not be empty")
        if self.values is not None or self.low is None or self.high is None:
            return  # missing bounds are reported by design(), naming the method
        if not self.low < self.high:
            raise ValueError(f"{name}: low ({self.low}) must be < high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"{name}: log range needs low > 0, got {self.low}")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"{name}: no integer in [{self.low}, {self.high}]")


def _py(value: Any) -> Value:
    """Convert numpy scalars to plain Python scalars (points are serialised to YAML/JSON)."""
    return value.item() if isinstance(value, np.generic) else value


def _bounds(p: ParameterRange) -> tuple[float, float]:
    """Bounds of the space the sampler works in (index, log10 or half-integer padded)."""
    if p.values is not None:
        return 0.0, float(len(p.values))
    if p.low is None or p.high is None:
        raise ValueError(f"parameter {p.path!r} needs either values or both low and high")
    if p.log:
        return math.log10(p.low), math.log10(p.high)
    if p.integer:  # pad by 1/2 so rounding gives the end integers a full share
        return math.ceil(p.low) - 0.5, math.floor(p.high) + 0.5
    return float(p.low), float(p.high)


def _to_value(p: ParameterRange, x: float) -> Value:
    """Map a sample in ``_bounds(p)`` space to the parameter's value, clipped into range."""
    if p.values is not None:
        return _py(p.values[min(max(math.floor(x), 0), len(p.values) - 1)])
    assert p.low is not None and p.high is not None  # guaranteed by _bounds
    v = 10.0**x if p.log else x
    if p.integer:
        return int(min(max(math.floor(v + 0.5), math.ceil(p.low)), math.floor(p.high)))
    return float(min(max(v, p.low), p.high))


def _points(parameters: Sequence[ParameterRange], samples: np.ndarray) -> list[Point]:
    """Turn rows of bound-space samples into ``{path: value}`` dicts."""
    return [
        {p.path: _to_value(p, float(x)) for p, x in zip(parameters, row, strict=True)}
        for row in samples
    ]


def salib_problem(parameters: Sequence[ParameterRange]) -> dict[str, Any]:
    """SALib problem dict; bounds are in sampling space (log10 for log, index for values)."""
    return {
        "num_vars": len(parameters),
        "names": [p.path for p in parameters],
        "bounds": [list(_bounds(p)) for p in parameters],
    }


def _grid(parameters: Sequence[ParameterRange]) -> list[Point]:
    """Cartesian product of every parameter's discrete values."""
    missing = [p.path for p in parameters if p.values is None]
    if missing:
        raise ValueError(f"grid design: parameters {missing} have a range but no values")
    combos = itertools.product(*(p.values or () for p in parameters))
    return [{p.path: _py(v) for p, v in zip(parameters, c, strict=True)} for c in combos]


def design(
    parameters: Sequence[ParameterRange],
    method: Literal["grid", "lhs", "sobol"],
    points: int | None,
    seed: int,
) -> list[Point]:
    """Experimental design as a list of ``{path: value}`` points, deterministic per seed.

    Args:
        parameters: Swept parameters with unique paths.
        method: ``grid`` (product of values; ``points`` ignored), ``lhs`` (``points``
            Latin-hypercube samples) or ``sobol`` (Saltelli scheme, ``points`` = N a
            power of 2, N*(D+2) points in SALib's order for ``sobol_indices``).
        points: Sample size for ``lhs``/``sobol``.
        seed: Sampler seed.
    """
    paths = [p.path for p in parameters]
    if not paths or len(set(paths)) != len(paths):
        raise ValueError(f"design needs at least one parameter with unique paths, got {paths}")
    if method == "grid":
        return _grid(parameters)
    if points is None or points < 1:
        raise ValueError(f"{method} design needs points >= 1, got {points}")
    if method == "lhs":
        b = np.array([_bounds(p) for p in parameters])
        unit = qmc.LatinHypercube(d=len(parameters), seed=seed).random(points)
        return _points(parameters, b[:, 0] + unit * (b[:, 1] - b[:, 0]))
    if method == "sobol":
        if points & (points - 1):
            raise ValueError(f"sobol design needs points (N) a power of 2, got {points}")
        problem = salib_problem(parameters)
        x = sobol_sample.sample(problem, points, calc_second_order=False, seed=seed)
        return _points(parameters, x)
    raise ValueError(f"unknown design method {method!r}; use grid, lhs or sobol")


def sobol_indices(
    parameters: Sequence[ParameterRange], design_points: Sequence[Point], y: np.ndarray, seed: int
) -> pd.DataFrame:
    """First-order and total Sobol' indices (SALib) for outputs ``y`` of a ``sobol`` design.

    Returns columns ``parameter, S1, S1_conf, ST, ST_conf`` (conf: 95% bootstrap half-width).
    """
    y = np.asarray(y, dtype=float)
    if len(design_points) != len(y) or len(y) % (len(parameters) + 2):
        raise ValueError(f"need N*(D+2) outputs matching the design, got {len(y)}")
    res = sobol_analyze.analyze(salib_problem(parameters), y, calc_second_order=False, seed=seed)
    cols = {c: np.asarray(res[c], float) for c in ("S1", "S1_conf", "ST", "ST_conf")}
    return pd.DataFrame({"parameter": [p.path for p in parameters], **cols})


def _numeric(p: ParameterRange, value: Value) -> float:
    """Regression input for one value: discrete values by index, log ranges as log10."""
    if p.values is not None:
        return float(p.values.index(value))
    return math.log10(float(value)) if p.log else float(value)


def _residual(a: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Residual of ``a`` after least-squares regression on ``others`` plus an intercept."""
    m = np.column_stack([np.ones(len(a)), others])
    return a - m @ np.linalg.lstsq(m, a, rcond=None)[0]


def regression_indices(
    parameters: Sequence[ParameterRange], design_points: Sequence[Point], y: np.ndarray
) -> pd.DataFrame:
    """Standardised regression coefficients and partial rank correlations (for LHS).

    SRC is the OLS slope on z-scored inputs and output (|src| near 1: dominant linear
    driver). PRCC correlates rank residuals after removing the other inputs' ranks;
    ``prcc_p`` is its two-sided t-test p-value on n - D - 1 degrees of freedom. Discrete
    values enter as their index, log ranges as log10. Returns ``parameter, src, prcc, prcc_p``.
    """
    x = np.array([[_numeric(p, pt[p.path]) for p in parameters] for pt in design_points])
    x = x.reshape(len(design_points), len(parameters))
    y = np.asarray(y, dtype=float)
    n, d = x.shape
    if len(y) != n or n < d + 3:
        raise ValueError(f"need one output per point and n > D + 2, got {len(y)} for {n}")
    z, zy = (x - x.mean(axis=0)) / x.std(axis=0), (y - y.mean()) / y.std()
    src = np.linalg.lstsq(np.column_stack([np.ones(n), z]), zy, rcond=None)[0][1:]
    rx, ry = stats.rankdata(x, axis=0), stats.rankdata(y)
    dof, prcc, pvals = n - d - 1, [], []
    for j in range(d):
        others = np.delete(rx, j, axis=1)
        r = float(np.corrcoef(_residual(rx[:, j], others), _residual(ry, others))[0, 1])
        prcc.append(r)
        pvals.append(float(2 * stats.t.sf(abs(r) * math.sqrt(dof / max(1 - r * r, 1e-300)), dof)))
    paths = [p.path for p in parameters]
    return pd.DataFrame({"parameter": paths, "src": src, "prcc": prcc, "prcc_p": pvals})
