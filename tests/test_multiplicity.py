"""Holm-adjusted p-values and simultaneous intervals in the comparison table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.results.analysis import compare
from sim.results.multiplicity import family_note, paired_p_value


def _replications(effects: dict[str, float], n: int = 12, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    common = rng.normal(100.0, 10.0, n)  # shared by every variant of a replication (CRN)
    rows = []
    for variant, effect in effects.items():
        own = rng.normal(0.0, 1.0, n)
        for r in range(n):
            value = common[r] + effect + own[r]
            rows.append(
                {
                    "variant": variant,
                    "point": 0,
                    "replication": r,
                    "seed": 1,
                    "child_years_truly_inadequate": value,
                    "takeovers": float(r % 3),
                }
            )
    return pd.DataFrame(rows)


def test_holm_p_values_follow_the_step_down_rule_within_each_outcome():
    effects = {"baseline": 0.0, "a": 2.0, "b": 0.3, "c": 0.0, "d": -0.6}
    table = compare(_replications(effects), "baseline")
    rows = table[table["metric"] == "child_years_truly_inadequate"].reset_index(drop=True)
    raw = rows["p_value"].to_numpy()
    order = np.argsort(raw)
    m = len(raw)
    expected = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):  # Holm: max over earlier of (m - rank) p, capped at 1
        running = max(running, min(1.0, (m - rank) * raw[index]))
        expected[index] = running
    assert np.allclose(rows["p_holm"], expected, rtol=1e-12)
    assert (rows["p_holm"] >= rows["p_value"]).all()
    assert set(rows["family_size"]) == {4}
    assert rows["family"].iloc[0] == "metric child_years_truly_inadequate: 4 variants vs baseline"
    strong = rows.set_index("variant").loc["a"]
    assert strong["p_holm"] < 0.05  # a 2-unit effect is found at the familywise 5% (seed 4)


def test_simultaneous_intervals_are_bonferroni_t_intervals_around_the_mean():
    effects = {"baseline": 0.0, "a": 1.0, "b": 0.0}
    replications = _replications(effects)
    table = compare(replications, "baseline").set_index(["variant", "metric"])
    row = table.loc[("a", "child_years_truly_inadequate")]
    base = replications[replications["variant"] == "baseline"]["child_years_truly_inadequate"]
    mine = replications[replications["variant"] == "a"]["child_years_truly_inadequate"]
    diff = mine.to_numpy() - base.to_numpy()
    half = stats.t.ppf(1 - 0.05 / 2 / 2, len(diff) - 1) * diff.std(ddof=1) / math.sqrt(len(diff))
    assert math.isclose(row["sim_ci_high"] - row["mean_diff"], half, rel_tol=1e-10)
    assert row["sim_ci_low"] < row["ci_low"] < row["ci_high"] < row["sim_ci_high"]


def test_constant_differences_and_too_few_replications():
    assert paired_p_value(np.array([0.0, 0.0, 0.0])) == 1.0
    assert paired_p_value(np.array([2.0, 2.0])) == 0.0
    assert math.isnan(paired_p_value(np.array([1.0])))


def test_the_console_note_names_the_family():
    table = compare(_replications({"baseline": 0.0, "a": 1.0, "b": 0.0, "c": 0.0}), "baseline")
    note = family_note(table)
    assert "each outcome's 3 variant-vs-baseline comparisons" in note
    assert "98.33%" in note  # Bonferroni level of each of 3 simultaneous 95% intervals


def test_holm_leaves_the_garbage_collector_as_it_found_it():
    import gc

    from sim.results.multiplicity import holm

    p = np.array([0.04, 0.001, 0.3])
    assert list(holm(p)) == [0.08, 0.003, 0.3]
    frozen_before = gc.get_freeze_count()
    holm(p)
    assert gc.get_freeze_count() == frozen_before
