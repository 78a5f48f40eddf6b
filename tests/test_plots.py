"""Tests for sim.results.plots: figure structure (series, error bars, bars, labels) and save."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer, ErrorbarContainer
from matplotlib.figure import Figure

from sim.calendar import month_timestamps
from sim.results import plots

UNITS = {
    "judged_inadequate": "councils",
    "child_years_truly_inadequate": "child-years",
    "months_to_exit": "months",
    "policy.deadline_months": "months",
}
LABELS = {"judged_inadequate": "councils judged inadequate"}
VARIANTS = ("baseline", "deadline_12m", "no_intervention")


def monthly_frame(variants: tuple[str, ...] = VARIANTS, reps: int = 30) -> pd.DataFrame:
    """Monthly counts per variant/replication over 60 months from 2016-01."""
    rng = np.random.default_rng(1)
    rows = []
    for k, variant in enumerate(variants):
        for rep in range(reps):
            level = 20 + rng.normal(0, 3)
            for m in range(61):
                judged = max(0, round(level + (k - 1) * m / 10 + rng.normal(0, 2)))
                date = f"{2016 + m // 12}-{m % 12 + 1:02d}"
                rows.append((variant, rep, float(m), date, judged, judged + 5, 2 * judged))
    cols = [
        "variant",
        "replication",
        "month",
        "date",
        "judged_inadequate",
        "true_inadequate",
        "judged_requires_improvement",
    ]
    return pd.DataFrame(rows, columns=cols)


def comparison_frame(n_variants: int = 3) -> pd.DataFrame:
    """Paired differences for n variants against 'baseline' on two metrics."""
    rows = []
    for metric, scale in (("child_years_truly_inadequate", 400.0), ("months_to_exit", 3.0)):
        for i in range(n_variants):
            mean = scale * (i - n_variants / 2) / n_variants
            rows.append(
                (f"variant_{i}", "baseline", metric, mean, mean - scale / 5, mean + scale / 5, 100)
            )
    cols = ["variant", "baseline", "metric", "mean_diff", "ci_low", "ci_high", "n"]
    return pd.DataFrame(rows, columns=cols)


def grid_points() -> pd.DataFrame:
    """A 4x3 grid sweep over deadline and a categorical mode."""
    rows = []
    for i, (d, mode) in enumerate((d, m) for d in (3, 6, 12, 24) for m in ("a", "b", "c")):
        mean = 1000 - 20 * d + {"a": 0, "b": 50, "c": 100}[mode]
        rows.append((i, d, mode, mean, mean - 40, mean + 40))
    cols = [
        "point",
        "policy.deadline_months",
        "policy.mode",
        "child_years_truly_inadequate_mean",
        "child_years_truly_inadequate_ci_low",
        "child_years_truly_inadequate_ci_high",
    ]
    return pd.DataFrame(rows, columns=cols)


def lhs_points(n: int = 40) -> pd.DataFrame:
    """Scattered (LHS-like) sweep points over two continuous parameters."""
    rng = np.random.default_rng(2)
    d, rate = rng.uniform(3, 24, n), 10 ** rng.uniform(-2, 0, n)
    mean = 1000 - 20 * d + 300 * rate
    return pd.DataFrame(
        {
            "point": range(n),
            "policy.deadline_months": d,
            "workforce.turnover": rate,
            "child_years_truly_inadequate_mean": mean,
            "child_years_truly_inadequate_ci_low": mean - 30,
            "child_years_truly_inadequate_ci_high": mean + 30,
        }
    )


def sobol_frame() -> pd.DataFrame:
    """Sobol indices for three parameters of one metric."""
    return pd.DataFrame(
        {
            "metric": ["child_years_truly_inadequate"] * 3,
            "parameter": ["policy.deadline_months", "workforce.turnover", "inspection.rate"],
            "S1": [0.31, 0.44, 0.0],
            "S1_conf": [0.04, 0.04, 0.03],
            "ST": [0.56, 0.44, 0.24],
            "ST_conf": [0.06, 0.03, 0.02],
        }
    )


def lhs_sensitivity_frame() -> pd.DataFrame:
    """SRC/PRCC for three parameters of one metric."""
    return pd.DataFrame(
        {
            "metric": ["child_years_truly_inadequate"] * 3,
            "parameter": ["policy.deadline_months", "workforce.turnover", "inspection.rate"],
            "src": [-0.8, 0.3, 0.01],
            "prcc": [-0.95, 0.6, 0.02],
            "prcc_p": [1e-30, 1e-5, 0.8],
        }
    )


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close figures a failing test left open (keeps memory flat across the suite)."""
    yield
    plt.close("all")


def _texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    assert legend is not None
    return [t.get_text() for t in legend.get_texts()]


def _errorbars(ax: Axes) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def test_fan_chart_lines_bands_labels_and_legend() -> None:
    fig = plots.fan_chart(monthly_frame(), "judged_inadequate", units=UNITS, labels=LABELS)
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    assert len(ax.get_lines()) == len(VARIANTS)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2 * len(VARIANTS)
    assert "(councils)" in ax.get_ylabel() and ax.get_xlabel()
    assert _texts(ax) == list(VARIANTS)
    assert ax.get_title() == (
        "Councils judged inadequate: median, 50% and 90% bands over 30 replications"
    )
    first, last = ax.get_lines()[0].get_xdata()[[0, -1]]
    assert (pd.Timestamp(first), pd.Timestamp(last)) == (
        pd.Timestamp("2016-01"),
        pd.Timestamp("2021-01"),
    )


def test_fan_chart_median_matches_data_and_fallback_label() -> None:
    monthly = monthly_frame(("only",), reps=5)
    fig = plots.fan_chart(monthly, "true_inadequate")
    (ax,) = fig.axes
    expected = monthly.groupby("month")["true_inadequate"].median().to_numpy()
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), expected)
    assert ax.get_ylabel() == "True inadequate"
    assert "5 replications" in ax.get_title()


def test_fan_chart_fractional_months_map_into_month() -> None:
    dates = month_timestamps("2016-01", np.array([0.0, 1.5, 13.0]))
    assert [str(d)[:10] for d in dates] == ["2016-01-01", "2016-02-15", "2017-02-01"]


def test_fan_chart_unknown_series_raises() -> None:
    with pytest.raises(ValueError, match="vacancy_rate"):
        plots.fan_chart(monthly_frame(reps=2), "vacancy_rate")


@pytest.mark.parametrize("n_variants", [1, 3, 10])
def test_forest_plot_panels_points_zero_line(n_variants: int) -> None:
    fig = plots.forest_plot(comparison_frame(n_variants), units=UNITS)
    assert len(fig.axes) == 2
    for ax, unit in zip(fig.axes, ("child-years", "months"), strict=True):
        assert len(_errorbars(ax)) == n_variants
        zero = [ln for ln in ax.get_lines() if list(ln.get_xdata()) == [0, 0]]
        assert len(zero) == 1
        assert f"({unit})" in ax.get_xlabel() and ax.get_ylabel()
        ticks = [t.get_text() for t in ax.get_yticklabels()]
        assert ticks == [f"variant_{i}" for i in range(n_variants)]
    suptitle = fig.get_suptitle()
    assert suptitle == "Difference from baseline 'baseline' (paired, 95% CI)"


def test_forest_plot_metric_subset_and_ci_lengths() -> None:
    comparison = comparison_frame(2)
    fig = plots.forest_plot(comparison, metrics=["months_to_exit"], units=UNITS)
    (ax,) = fig.axes
    container = _errorbars(ax)[0]
    segments = container.lines[2][0].get_segments()
    (x0, _), (x1, _) = segments[0]
    row = comparison[(comparison.metric == "months_to_exit") & (comparison.variant == "variant_0")]
    assert (x0, x1) == pytest.approx((row.ci_low.iloc[0], row.ci_high.iloc[0]))


def test_response_curves_grid_averages_over_other_parameters() -> None:
    params = ["policy.deadline_months", "policy.mode"]
    fig = plots.response_curves(grid_points(), params, "child_years_truly_inadequate", units=UNITS)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        (container,) = _errorbars(ax)
        assert container.lines[0] is not None
    deadline_ax = fig.axes[0]
    np.testing.assert_allclose(
        deadline_ax.get_lines()[0].get_ydata(), [1000 - 20 * d + 50 for d in (3, 6, 12, 24)]
    )
    assert len(fig.axes[1].get_lines()[0].get_xdata()) == 3
    assert deadline_ax.get_xlabel() == "policy.deadline months (months)"
    assert "(child-years)" in deadline_ax.get_ylabel()
    assert "averaged over the other parameters" in fig.get_suptitle()


def test_response_curves_scatter_for_lhs_and_log_axis() -> None:
    params = ["policy.deadline_months", "workforce.turnover"]
    fig = plots.response_curves(lhs_points(), params, "child_years_truly_inadequate", units=UNITS)
    assert len(fig.axes) == 2
    for ax in fig.axes:
        (container,) = _errorbars(ax)
        assert len(container.lines[0].get_xdata()) == 40
        assert container.lines[0].get_linestyle() == "None"
        assert ax.get_xlabel()
    assert "(child-years)" in fig.axes[0].get_ylabel()
    assert fig.axes[1].get_ylabel() == ""  # shared y axis: labelled once per row
    assert fig.axes[1].get_xscale() == "log"


def test_response_curves_missing_column_raises() -> None:
    with pytest.raises(ValueError, match="nope_mean"):
        plots.response_curves(grid_points(), ["policy.mode"], "nope")


def _bar_containers(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def test_sensitivity_bars_sobol() -> None:
    fig = plots.sensitivity_bars(sobol_frame(), "child_years_truly_inadequate")
    (ax,) = fig.axes
    bars = _bar_containers(ax)
    assert len(bars) == 2 and all(len(b) == 3 for b in bars)
    assert len(_errorbars(ax)) == 2
    assert _texts(ax) == ["First order (S1)", "Total (ST)"]
    assert [b.get_width() for b in bars[1]] == [0.56, 0.44, 0.24]  # sorted by ST
    assert ax.get_xlabel() and ax.get_ylabel()
    assert ax.get_title().startswith("Sensitivity of child years truly inadequate\nSobol")


def test_sensitivity_bars_lhs_sorted_by_abs_prcc() -> None:
    fig = plots.sensitivity_bars(lhs_sensitivity_frame(), "child_years_truly_inadequate")
    (ax,) = fig.axes
    bars = _bar_containers(ax)
    assert len(bars) == 2 and not _errorbars(ax)
    assert [b.get_width() for b in bars[1]] == [-0.95, 0.6, 0.02]
    assert _texts(ax) == ["SRC", "PRCC"]
    assert any(t.get_text().startswith("p=") for t in ax.texts)


def test_sensitivity_bars_unknown_metric_raises() -> None:
    with pytest.raises(ValueError, match="no sensitivity rows"):
        plots.sensitivity_bars(sobol_frame(), "other")


def test_save_writes_png_only_by_default_and_closes(tmp_path: Path) -> None:
    fig = plots.forest_plot(comparison_frame(2), units=UNITS)
    paths = plots.save(fig, tmp_path / "forest")
    assert [p.name for p in paths] == ["forest.png"]
    assert not (tmp_path / "forest.svg").exists()
    assert not plt.fignum_exists(fig.number)


def test_save_writes_png_and_svg_on_request_and_closes(tmp_path: Path) -> None:
    fig = plots.forest_plot(comparison_frame(2), units=UNITS)
    paths = plots.save(fig, tmp_path / "sub" / "forest.v1", svg=True)
    assert [p.name for p in paths] == ["forest.v1.png", "forest.v1.svg"]
    assert all(p.exists() and p.stat().st_size > 1000 for p in paths)
    assert paths[0].read_bytes()[:4] == b"\x89PNG"
    assert b"<svg" in paths[1].read_bytes()[:2000]
    assert not plt.fignum_exists(fig.number)


def test_save_keeps_the_figure_open_when_it_is_drawn_again(tmp_path: Path) -> None:
    fig = plots.forest_plot(comparison_frame(2), units=UNITS)
    plots.save(fig, tmp_path / "forest", close=False)
    assert plt.fignum_exists(fig.number)
    assert (tmp_path / "forest.png").read_bytes()[:4] == b"\x89PNG"


def test_fan_chart_bands_are_the_replications_quantiles() -> None:
    """Both bands of every variant from the one grouping: the 5-95% and 25-75% quantiles
    by month over replications, as each variant's own grouping gives them."""
    monthly = monthly_frame(reps=7)
    (ax,) = plots.fan_chart(monthly, "judged_inadequate").axes
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    for index, variant in enumerate(VARIANTS):
        rows = monthly[monthly["variant"] == variant].groupby("month")["judged_inadequate"]
        for band, (low, high) in zip(
            bands[2 * index : 2 * index + 2], ((0.05, 0.95), (0.25, 0.75)), strict=True
        ):
            vertices = band.get_paths()[0].vertices[:, 1]
            assert vertices.min() == pytest.approx(rows.quantile(low).min())
            assert vertices.max() == pytest.approx(rows.quantile(high).max())
