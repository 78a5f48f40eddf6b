"""Many comparisons at once: Holm-adjusted p-values and simultaneous intervals per family.

Six variants against a baseline, each at 95%, will show about one in three
"significant" differences on an outcome where no variant does anything. The
comparison table therefore carries, for each family of comparisons (by default
every variant against the baseline on one outcome):

- ``p_value``: the paired t-test of a zero mean difference;
- ``p_holm``: Holm's step-down adjustment within the family (statsmodels
  ``multipletests``), which controls the chance of any false "difference" in the
  family at 5% and is never less powerful than Bonferroni;
- ``sim_ci_low``/``sim_ci_high``: Bonferroni intervals at level ``1 - 0.05 / m``
  for a family of m comparisons, which all cover their true differences at once
  with probability at least 95% (Holm has no matching intervals; these are the
  standard simultaneous ones that go with it);
- ``family`` and ``family_size``: which comparisons were adjusted together.
"""

from __future__ import annotations

import gc
import math

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

ALPHA = 0.05  # familywise error rate


def paired_p_value(diff: np.ndarray) -> float:
    """Two-sided one-sample t-test p-value of mean 0 for the finite paired differences.

    Differences with no spread give p = 1 when all are 0 and p = 0 otherwise (common
    random numbers can make a variant's difference exactly constant); NaN for n < 2.
    """
    finite = diff[np.isfinite(diff)]
    if len(finite) < 2:
        return math.nan
    if float(np.ptp(finite)) == 0.0:
        return 1.0 if finite[0] == 0 else 0.0
    return float(stats.ttest_1samp(finite, 0.0).pvalue)


def half_width(sd: float, n: int, level: float) -> float:
    """Student-t half-width of a mean of n values with standard deviation sd."""
    if n < 2 or not math.isfinite(sd):
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values (statsmodels ``multipletests``), without its heap-wide collection.

    statsmodels' Holm branch calls ``gc.collect()`` on every call
    (``statsmodels/stats/multitest.py``), which walks every object the process holds:
    about 0.1-0.2 s once pandas, scipy and matplotlib are loaded, paid once per outcome
    of every comparison table. Freezing the heap first (``gc.freeze``) hides the objects
    that already exist from that collection; unfreezing afterwards hands them back to the
    collector as they were. A caller that froze the heap itself is left to manage it.
    """
    if gc.get_freeze_count() > 0:  # the caller manages the frozen heap: leave it to them
        return np.asarray(multipletests(p_values, ALPHA, "holm")[1], dtype=float)
    gc.freeze()
    try:
        return np.asarray(multipletests(p_values, ALPHA, "holm")[1], dtype=float)
    finally:
        gc.unfreeze()


def adjust(table: pd.DataFrame, by: str = "metric") -> pd.DataFrame:
    """Add Holm p-values and simultaneous intervals per family of rows sharing ``by``.

    Args:
        table: Comparison rows with ``mean_diff, sd_diff, n, p_value`` and ``by``.
        by: Column naming the family (``metric``: every variant on one outcome).

    Returns:
        ``table`` with ``p_holm, sim_ci_low, sim_ci_high, family, family_size``.
    """
    table = table.copy()
    table["p_holm"], table["sim_ci_low"], table["sim_ci_high"] = math.nan, math.nan, math.nan
    table["family"], table["family_size"] = "", 0
    for name, group in table.groupby(by, sort=False):
        tested = group[np.isfinite(group["p_value"].to_numpy(dtype=float))]
        size = len(tested)
        table.loc[group.index, "family"] = f"{by} {name}: {size} variants vs baseline"
        table.loc[group.index, "family_size"] = size
        if size == 0:
            continue
        table.loc[tested.index, "p_holm"] = holm(tested["p_value"].to_numpy(dtype=float))
        level = 1 - ALPHA / size
        for index, row in tested.iterrows():
            half = half_width(float(row["sd_diff"]), int(row["n"]), level)
            table.loc[index, "sim_ci_low"] = row["mean_diff"] - half
            table.loc[index, "sim_ci_high"] = row["mean_diff"] + half
    return table


def family_note(table: pd.DataFrame) -> str:
    """One sentence saying which families were adjusted (for the console and reports)."""
    if table.empty or "family_size" not in table.columns:
        return ""
    sizes = sorted({int(s) for s in table["family_size"] if s > 0})
    if not sizes:
        return "multiplicity: no comparison could be tested (fewer than two replications)"
    largest = sizes[-1]
    return (
        f"multiplicity: Holm-adjusted p-values (p_holm) and simultaneous {1 - ALPHA:.0%} "
        f"intervals (sim_ci_low, sim_ci_high) in comparison.csv; family = each outcome's "
        f"{largest} variant-vs-baseline comparisons, adjusted together "
        f"(Bonferroni level {1 - ALPHA / largest:.2%} per interval)"
    )
