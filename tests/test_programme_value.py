"""Cost per child-year averted: the reference variant, pairing, and Fieller's interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.results.analysis import ratio_ci, reference_variant
from sim.results.economics import programme_value


def table(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """(variant, replication, child-years, spend) rows as a replications table."""
    frame = pd.DataFrame(
        rows, columns=["variant", "replication", "child_years_truly_inadequate", "spend"]
    )
    frame.insert(1, "point", 0)
    frame.insert(3, "seed", 1)
    frame["recruitment_spend_gbp"] = frame.pop("spend")
    frame["graduates_qualified"] = (frame["recruitment_spend_gbp"] > 0) * 100.0
    return frame


def test_ratio_with_fixed_cost_inverts_the_effect_interval():
    """With the same spend in every replication, Fieller's ends are cost / the effect CI ends."""
    effect = np.array([900.0, 1100.0, 1000.0, 950.0, 1050.0])
    cost = np.full(5, 1e6)
    ratio, low, high, n = ratio_ci(cost, effect)
    half = stats.t.ppf(0.975, 4) * effect.std(ddof=1) / math.sqrt(5)
    assert (ratio, n) == (1000.0, 5)
    assert low == pytest.approx(1e6 / (1000 + half))
    assert high == pytest.approx(1e6 / (1000 - half))


def test_ratio_interval_is_unbounded_when_the_effect_may_be_zero():
    effect = np.array([-500.0, 800.0, 100.0, -300.0, 400.0])
    ratio, low, high, _ = ratio_ci(np.full(5, 1e6), effect)
    assert ratio == pytest.approx(1e6 / 100.0)
    assert math.isnan(low) and math.isnan(high)
    assert math.isnan(ratio_ci(np.full(3, 1e6), np.array([-1.0, -2.0, 0.5]))[0])


def test_programme_value_pairs_each_variant_with_the_variant_without_programmes():
    rows = []
    for r in range(4):
        noise = 10_000.0 * r  # shared by all variants in a replication: pairing removes it
        rows += [
            ("announced", r, 90_000.0 + noise, 1e8),
            ("none", r, 100_000.0 + noise, 0.0),
            ("double", r, 85_000.0 + noise, 2e8),
        ]
    replications = table(rows)
    assert reference_variant(replications) == "none"
    value = programme_value(replications).set_index(["variant", "metric"])
    averted = value.loc[("announced", "child_years_truly_inadequate_averted")]
    assert (averted["mean"], averted["ci_low"], averted["ci_high"], averted["n"]) == (
        10_000.0,
        10_000.0,
        10_000.0,
        4,
    )
    # without present values in the table only the undiscounted ratio is given
    undiscounted = "cost_per_child_year_averted_undiscounted_gbp"
    assert "cost_per_child_year_averted_gbp" not in set(value.index.get_level_values("metric"))
    assert value.loc[("announced", undiscounted), "mean"] == 10_000.0
    assert value.loc[("double", undiscounted), "mean"] == pytest.approx(2e8 / 15_000)
    assert set(value.index.get_level_values("variant")) == {"announced", "double"}
    assert (value["reference"] == "none").all()


def test_programme_value_is_discounted_when_the_present_values_are_there():
    """cost_per_child_year_averted_gbp is the discounted spend over discounted child-years."""
    rows = []
    for r in range(4):
        noise = 10_000.0 * r
        rows += [("announced", r, 90_000.0 + noise, 1e8), ("none", r, 100_000.0 + noise, 0.0)]
    replications = table(rows)
    replications["recruitment_spend_discounted_gbp"] = 0.9 * replications["recruitment_spend_gbp"]
    replications["child_years_truly_inadequate_discounted"] = (
        0.8 * replications["child_years_truly_inadequate"]
    )
    value = programme_value(replications).set_index(["variant", "metric"])
    assert value.loc[("announced", "cost_per_child_year_averted_gbp"), "mean"] == pytest.approx(
        0.9e8 / 8_000
    )
    assert value.loc[
        ("announced", "cost_per_child_year_averted_undiscounted_gbp"), "mean"
    ] == pytest.approx(1e8 / 10_000)


def test_no_variant_without_programmes_gives_an_empty_table():
    replications = table([("a", 0, 1.0, 5.0), ("b", 0, 2.0, 6.0)])
    assert reference_variant(replications) is None
    assert programme_value(replications).empty
