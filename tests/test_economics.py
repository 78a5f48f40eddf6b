"""Cost per child-year averted for every variant against the baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.results.analysis import ratio_ci
from sim.results.economics import cost_effectiveness


def test_every_variant_against_the_baseline_paired_with_fieller() -> None:
    rng = np.random.default_rng(3)
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
    table = cost_effectiveness(frame, "baseline").set_index("metric")
    assert set(table["variant"]) == {"more"}
    paired = frame.pivot(index="replication", columns="variant")
    averted = (
        paired["child_years_truly_inadequate"]["baseline"]
        - paired["child_years_truly_inadequate"]["more"]
    ).to_numpy()
    extra = 5e6 + paired["recruitment_spend_gbp"]["more"].to_numpy()
    ratio, low, high, _ = ratio_ci(extra, averted)
    row = table.loc["cost_per_child_year_averted_gbp"]
    assert (row["mean"], row["ci_low"], row["ci_high"], row["n"]) == pytest.approx(
        (ratio, low, high, 8)
    )
    assert row["mean"] == pytest.approx(extra.mean() / averted.mean())
    assert table.loc["cost_total_gbp_extra", "mean"] == pytest.approx(5.5e6)
