"""Cost per child-year averted for every variant against the baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.results.analysis import ratio_ci
from sim.results.economics import cost_effectiveness


def _frame(rng: np.random.Generator) -> pd.DataFrame:
    """Eight paired replications of a baseline and a dearer variant, with present values
    that are not a fixed share of the totals (so the two ratios differ)."""
    base_years = rng.normal(500_000, 50_000, 8)
    rows = []
    for r in range(8):
        rows.append(("baseline", 0, r, base_years[r], 1e7, 2e7, 3e6, 0.0))
        averted = 20_000 + 1_000 * rng.normal()
        rows.append(("more", 0, r, base_years[r] - averted, 1.5e7, 2e7, 3e6, 1e6 * (r % 2)))
    columns = [
        "variant",
        "point",
        "replication",
        "child_years_truly_inadequate",
        "cost_commissioners_gbp",
        "cost_trusts_gbp",
        "cost_inspections_gbp",
        "recruitment_spend_gbp",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    heads = ["cost_commissioners_gbp", "cost_trusts_gbp", "cost_inspections_gbp"]
    frame["cost_total_gbp"] = frame[[*heads, "recruitment_spend_gbp"]].sum(axis=1)
    frame["cost_total_discounted_gbp"] = 0.9 * frame[heads].sum(axis=1) + 0.7 * frame[
        "recruitment_spend_gbp"
    ] * rng.uniform(0.8, 1.0, len(frame))
    years = frame["child_years_truly_inadequate"]
    frame["child_years_truly_inadequate_discounted"] = 0.85 * years + rng.normal(0, 200, len(frame))
    return frame


def test_every_variant_against_the_baseline_paired_with_fieller() -> None:
    """The headline ratio is discounted costs over discounted child-years; the undiscounted
    one is kept beside it, each with its own Fieller interval."""
    frame = _frame(np.random.default_rng(3))
    table = cost_effectiveness(frame, "baseline").set_index("metric")
    assert set(table["variant"]) == {"more"}
    paired = frame.pivot(index="replication", columns="variant")
    for effect, cost, metric in (
        (
            "child_years_truly_inadequate_discounted",
            "cost_total_discounted_gbp",
            "cost_per_child_year_averted_gbp",
        ),
        (
            "child_years_truly_inadequate",
            "cost_total_gbp",
            "cost_per_child_year_averted_undiscounted_gbp",
        ),
    ):
        averted = (paired[effect]["baseline"] - paired[effect]["more"]).to_numpy()
        extra = (paired[cost]["more"] - paired[cost]["baseline"]).to_numpy()
        ratio, low, high, _ = ratio_ci(extra, averted)
        assert np.isfinite([low, high]).all()  # a bounded interval, so the check bites
        row = table.loc[metric]
        assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
            (ratio, low, high, 8)
        )
        assert row["mean"] == pytest.approx(extra.mean() / averted.mean())
        assert table.loc[f"{effect}_averted", "mean"] == pytest.approx(averted.mean())
    assert table.loc["cost_total_gbp_extra", "mean"] == pytest.approx(5.5e6)
    discounted = table.loc["cost_per_child_year_averted_gbp", "mean"]
    assert discounted != pytest.approx(
        table.loc["cost_per_child_year_averted_undiscounted_gbp", "mean"]
    )


def test_results_without_present_values_give_the_undiscounted_rows_only() -> None:
    frame = _frame(np.random.default_rng(4)).drop(
        columns=["cost_total_discounted_gbp", "child_years_truly_inadequate_discounted"]
    )
    metrics = set(cost_effectiveness(frame, "baseline")["metric"])
    assert metrics == {
        "child_years_truly_inadequate_averted",
        "cost_total_gbp_extra",
        "cost_per_child_year_averted_undiscounted_gbp",
    }
