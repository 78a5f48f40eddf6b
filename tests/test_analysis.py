"""Confidence intervals and paired comparisons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.results.analysis import compare, mean_ci, summarise


def test_mean_ci_is_the_student_t_interval():
    values = np.array([1.0, 2.0, 4.0, 7.0])
    mean, low, high, sd, n = mean_ci(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    assert (mean, n) == (3.5, 4)
    assert (low, high) == pytest.approx((3.5 - half, 3.5 + half))
    assert sd == pytest.approx(np.std(values, ddof=1))


def test_mean_ci_ignores_nan_and_reports_no_interval_for_one_value():
    mean, low, high, _, n = mean_ci(np.array([np.nan, 5.0]))
    assert (mean, n) == (5.0, 1) and math.isnan(low) and math.isnan(high)
    assert mean_ci(np.array([np.nan]))[4] == 0


def test_coverage_of_the_interval_is_about_95_percent():
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(2000):
        _, low, high, _, _ = mean_ci(rng.normal(10.0, 3.0, 12))
        hits += low <= 10.0 <= high
    # binomial sd at p = 0.95, n = 2000 is 0.0049: allow 3 of them
    assert abs(hits / 2000 - 0.95) < 0.015


def _table(rows):
    return pd.DataFrame(rows, columns=["variant", "point", "replication", "seed", "x"])


def test_paired_comparison_pairs_by_replication():
    reps = _table(
        [("base", 0, r, 1, 10.0 * r) for r in range(5)]
        + [("alt", 0, r, 1, 10.0 * r + 2.0) for r in range(5)]
    )
    result = compare(reps, "base")
    row = result.iloc[0]
    # paired differences are all exactly 2, whatever the spread between replications
    assert (row["variant"], row["metric"], row["mean_diff"], row["n"]) == ("alt", "x", 2.0, 5)
    assert row["ci_low"] == pytest.approx(2.0) and row["ci_high"] == pytest.approx(2.0)


def test_summary_has_one_row_per_variant_and_metric():
    reps = _table(
        [("base", 0, r, 1, float(r)) for r in range(3)]
        + [("alt", 0, r, 1, float(r)) for r in range(3)]
    )
    summary = summarise(reps)
    assert list(summary.columns) == ["variant", "metric", "mean", "ci_low", "ci_high", "sd", "n"]
    assert list(summary["variant"]) == ["base", "alt"]
    assert summary["mean"].tolist() == [1.0, 1.0]
