"""Reader-facing figures: headline forest plot and small-multiple fan charts."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from sim.results import charts, plots


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


def _monthly(variants: tuple[str, ...], months: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = [
        (v, r, float(m), float(rng.integers(10, 30)), float(rng.uniform(0.1, 0.2)))
        for v in variants
        for r in range(4)
        for m in range(months)
    ]
    columns = ["variant", "replication", "month", "true_inadequate", "vacancy_rate"]
    return pd.DataFrame(rows, columns=columns)


def test_fan_panels_draw_each_series_as_a_fresh_figure_would() -> None:
    """The second series drawn into the first one's panels: the same bands, lines, limits,
    labels and title as its own figure (nothing of the first series left behind)."""
    monthly = _monthly(("baseline", "a", "b", "c", "d"))
    series = [
        ("true_inadequate", "councils truly inadequate", "councils"),
        ("vacancy_rate", "national vacancy rate", "share of posts"),
    ]
    figures = charts.fan_panels(monthly, series, baseline="baseline")
    next(figures)
    reused = next(figures)
    fresh = charts.fan_small_multiples(
        monthly, "vacancy_rate", baseline="baseline", label=series[1][1], unit=series[1][2]
    )
    assert reused.get_suptitle() == fresh.get_suptitle()
    for old, new in zip(reused.axes, fresh.axes, strict=True):
        assert old.get_ylim() == new.get_ylim() and old.get_xlim() == new.get_xlim()
        assert old.get_ylabel() == new.get_ylabel() and old.get_title() == new.get_title()
        assert len(old.lines) == len(new.lines) == 2 and len(old.collections) == 4
        for a, b in zip(old.lines, new.lines, strict=True):
            np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
        for a, b in zip(old.collections, new.collections, strict=True):
            np.testing.assert_array_equal(a.get_paths()[0].vertices, b.get_paths()[0].vertices)
    with pytest.raises(StopIteration):
        next(figures)  # asking after the last closes the figure
    assert not plt.fignum_exists(reused.number)


def test_forest_intervals_are_the_table_s_means_and_bounds() -> None:
    """Each panel's dots are the mean differences and its lines the CIs, in variant order
    (an interval that misses its mean, as v2's here, is drawn out to it, as before)."""
    frame = comparison(3)
    fig = charts.headline_forest(frame, ["child_years_truly_inadequate"], title="t")
    (ax,) = fig.axes
    lines, caps, dots = ax.collections[-3:]
    rows = frame[frame["metric"] == "child_years_truly_inadequate"]
    np.testing.assert_allclose(dots.get_offsets()[:, 0], rows["mean_diff"])
    np.testing.assert_allclose(dots.get_offsets()[:, 1], [0, 1, 2])
    bounds = [(s[0][0], s[1][0]) for s in lines.get_segments()]
    low = np.minimum(rows["ci_low"], rows["mean_diff"])
    np.testing.assert_allclose(bounds, np.column_stack([low, rows["ci_high"]]))
    assert len(caps.get_offsets()) == 2 * len(rows)


def _drawn_texts(fig: Figure) -> list[Text]:
    """The texts a figure draws: titles, axis labels, the tick labels inside the view (the
    axis keeps others, undrawn), texts in the axes, legends and the figure's own."""
    texts: list[Text] = [*fig.texts, *(t for lg in fig.legends for t in lg.get_texts())]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        texts += [*legend.get_texts(), legend.get_title()] if legend else []
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            ticks = axis.get_major_ticks(len(axis.get_majorticklocs()))
            texts += [t.label1 for t in ticks if low - 1e-9 <= t.get_loc() <= high + 1e-9]
    return texts


def _texts_inside_and_apart(fig: Figure) -> None:
    """Every visible text of a figure drawn inside it, and no two texts overlapping: what a
    fixed layout must guarantee without constrained layout's measuring."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = [t for t in _drawn_texts(fig) if t.get_visible() and t.get_text().strip()]
    boxes = [t.get_window_extent(renderer) for t in texts]
    for text, box in zip(texts, boxes, strict=True):
        assert box.x0 >= -1 and box.y0 >= -1, text.get_text()
        assert box.x1 <= fig.bbox.x1 + 1 and box.y1 <= fig.bbox.y1 + 1, text.get_text()
    for i, (a, box) in enumerate(zip(texts, boxes, strict=True)):
        for b, other in zip(texts[i + 1 :], boxes[i + 1 :], strict=True):
            overlap = (
                min(box.x1, other.x1) - max(box.x0, other.x0),
                min(box.y1, other.y1) - max(box.y0, other.y0),
            )
            assert min(overlap) <= 1, (a.get_text(), b.get_text())


def test_fixed_layouts_keep_every_text_inside_and_apart() -> None:
    variants = ("baseline", "double_sponsor_capacity", "b", "c", "no_sharper_triggers")
    monthly = _monthly(variants, months=120)
    label, unit = "national vacancy rate", "share of posts"
    _texts_inside_and_apart(
        charts.fan_small_multiples(
            monthly, "vacancy_rate", baseline="baseline", label=label, unit=unit
        )
    )
    _texts_inside_and_apart(
        plots.fan_chart(monthly[monthly["variant"].isin(variants[:3])], "vacancy_rate")
    )
    frame = comparison(4).assign(variant=lambda f: f["variant"] + "_with_a_long_name")
    metrics = ["child_years_truly_inadequate", "cost_trusts_gbp"]
    _texts_inside_and_apart(charts.headline_forest(frame, metrics, title="t", note="a note"))
    councils = pd.DataFrame(
        {
            "variant": "baseline",
            "council": [f"Council of {'North ' * (i % 3)}Shire {i}" for i in range(25)],
            "months_truly_inadequate_mean": np.linspace(60, 5, 25),
            "months_judged_inadequate_mean": np.linspace(30, 40, 25),
            "share_taken_over": np.linspace(0, 0.9, 25),
            "replications": 8,
        }
    )
    _texts_inside_and_apart(charts.council_ranking(councils, "baseline"))
