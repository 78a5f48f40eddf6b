"""Reader-facing figures: headline forest plot and small-multiple fan charts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.results import charts


def comparison(variants: int = 2) -> pd.DataFrame:
    rows = []
    for v in range(variants):
        rows += [
            (f"v{v}", "child_years_truly_inadequate", -4100.0 * (v + 1), -9800.0, 1500.0),
            (f"v{v}", "cost_trusts_gbp", 2.0e6, 1.0e6, 3.0e6),
            (f"v{v}", "graduates_qualified", 0.0, 0.0, 0.0),
        ]
    frame = pd.DataFrame(rows, columns=["variant", "metric", "mean_diff", "ci_low", "ci_high"])
    return frame.assign(baseline="baseline", n=4)


def test_forest_leaves_out_all_zero_panels_and_marks_the_better_side() -> None:
    metrics = ["child_years_truly_inadequate", "graduates_qualified", "cost_trusts_gbp"]
    fig = charts.headline_forest(comparison(), metrics, title="t", note="2 intervals")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["Child-years in truly inadequate services", "Spending on trusts"]
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["← better", "← better"]  # lower is better for both
    low, high = fig.axes[0].get_xlim()
    assert low == -high  # zero in the middle, so the shaded side is half the panel


def test_human_axis_units() -> None:
    money = charts.human_axis("cost_trusts_gbp")
    count = charts.human_axis("child_years_truly_inadequate")
    share = charts.human_axis("vacancy_rate_mean")
    assert [money(v, 0) for v in (-2.5e7, 0, 1e8)] == ["-£25m", "£0", "£100m"]
    assert [count(v, 0) for v in (-40000, 20000, 500)] == ["-40k", "20k", "500"]
    assert share(0.0125, 0) == "1.25"


def test_small_multiples_one_panel_per_variant_over_the_baseline() -> None:
    rng = np.random.default_rng(1)
    rows = [
        (v, r, m, float(rng.integers(10, 30)))
        for v in ("baseline", "a", "b", "c", "d")
        for r in range(3)
        for m in range(12)
    ]
    monthly = pd.DataFrame(rows, columns=["variant", "replication", "month", "true_inadequate"])
    fig = charts.fan_small_multiples(
        monthly,
        "true_inadequate",
        baseline="baseline",
        label="councils truly inadequate",
        unit="councils",
    )
    assert [ax.get_title() for ax in fig.axes] == [
        f"{v} (colour) vs baseline (grey)" for v in "abcd"
    ]
    assert len(fig.axes[0].lines) == 2  # the baseline's median and the variant's


def test_variant_colours_are_distinct_and_never_the_baselines_grey() -> None:
    from sim.results.plots import _colours

    for n in (1, 8, 9, 10, 18):
        colours = _colours(n)
        assert len(set(colours)) == n  # distinct up to the palette's size
        assert all(not (r == g == b) for r, g, b, _ in colours)


def test_small_multiples_show_a_later_variant_above_the_first_panels_whole() -> None:
    """The panels share y: the last variant's values (up to 60) stay inside the axes."""
    rows = [
        (v, r, m, 60.0 if v == "d" else 10.0)
        for v in ("baseline", "a", "b", "c", "d")
        for r in range(3)
        for m in range(12)
    ]
    monthly = pd.DataFrame(rows, columns=["variant", "replication", "month", "status_trust"])
    fig = charts.fan_small_multiples(
        monthly, "status_trust", baseline="baseline", label="trusts", unit="councils"
    )
    for ax in fig.axes:
        low, high = ax.get_ylim()
        assert low == 0 and high >= 60
