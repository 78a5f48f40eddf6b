"""Figures of a calibration: observed vs simulated per target, marginal posteriors, temperature.

Computation stays in ``outputs``: these functions only lay out the tables it wrote.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.calibration.spec import Calibration


def _grid(count: int, width: float = 4.2, height: float = 3.0) -> tuple[Figure, list]:
    columns = min(3, count)
    rows = math.ceil(count / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(width * columns, height * rows),
                                squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[count:]:
        ax.set_visible(False)
    return figure, flat[:count]


def tick_label(target: str) -> str:
    """A short tick label for a target id: ``RI>I`` for a transition cell
    (``..._RI_to_I``), the year of a yearly series (``csww_2019_vacancy_pct``), else
    the id's last word (``sif_first_good``: ``good``)."""
    words = target.split("_")
    if "to" in words[1:-1]:
        at = len(words) - 1 - words[::-1].index("to")
        return f"{words[at - 1]}>{words[at + 1]}"
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    if years:
        return years[0]
    if target.endswith(("requires_improvement", "_ri")):
        return "RI"
    return words[-1]


def _separate_rows(ax: Axes, labels: list[str]) -> None:
    """Dashed lines between the rows of a transition matrix (cells ``from>to``), each
    row named above the panel's axis; a yearly series' axis says so."""
    if all(label.isdigit() for label in labels):
        ax.set_xlabel("year (30 September)", fontsize=8)
    if not all(">" in label for label in labels):
        return
    starts = [label.split(">")[0] for label in labels]
    edges = [0] + [i for i in range(1, len(starts)) if starts[i] != starts[i - 1]]
    for i in edges[1:]:
        ax.axvline(i - 0.5, color="grey", linestyle="--", linewidth=0.7)
    for first, last in zip(edges, [*edges[1:], len(starts)], strict=True):
        ax.text((first + last - 1) / 2, 1.0, f"from {starts[first]}", fontsize=7,
                ha="center", va="bottom", transform=ax.get_xaxis_transform())
    ax.set_xlabel("latest SIF > first ILACS", fontsize=8)


def targets_figure(fit: pd.DataFrame) -> Figure:
    """One panel per target: observed (cross) against the simulated mean and 90% band."""
    groups = list(dict.fromkeys(fit["group"]))
    figure, axes = _grid(len(groups))
    for ax, group in zip(axes, groups, strict=True):
        rows = fit[fit["group"] == group].reset_index(drop=True)
        x = range(len(rows))
        # the weighted mean may lie outside the 5%-95% band when a few particles carry
        # most of the weight; the bar then starts at the mean
        low = (rows["simulated_mean"] - rows["band_low"]).clip(lower=0)
        high = (rows["band_high"] - rows["simulated_mean"]).clip(lower=0)
        ax.errorbar(x, rows["simulated_mean"], yerr=[low, high], fmt="o", color="tab:blue",
                    capsize=3, label="simulated mean, 90% band")
        ax.scatter(x, rows["observed"], marker="x", color="tab:red", s=50, zorder=3,
                   label="observed")
        labels = [tick_label(t) if len(rows) > 1 else t for t in rows["target"]]
        ax.set_xticks(list(x), labels, rotation=60 if len(rows) > 4 else 0, fontsize=7)
        _separate_rows(ax, labels)
        inside = int(rows["inside"].sum())
        ax.set_title(f"{group} ({inside}/{len(rows)} inside)", fontsize=9, pad=12)
    axes[0].legend(fontsize=7)
    figure.suptitle("Targets: observed vs simulated\n(posterior particles x replications)",
                    fontsize=10)
    figure.tight_layout()
    return figure


def posterior_figure(cal: Calibration, posterior: pd.DataFrame, fitted: dict) -> Figure:
    """Weighted histogram of each fitted parameter over its prior range, with the 90% interval."""
    figure, axes = _grid(len(cal.spec.parameters))
    for ax, p in zip(axes, cal.spec.parameters, strict=True):
        ax.hist(posterior[p.path], bins=20, weights=posterior["weight"],
                range=(p.prior.low, p.prior.high), color="tab:blue", alpha=0.7)
        entry = fitted["parameters"][p.path]
        for key, style in (("low", ":"), ("value", "-"), ("high", ":")):
            ax.axvline(entry[key], color="black", linestyle=style)
        ax.set_xlim(p.prior.low, p.prior.high)
        ax.set_title(p.path.split(".", 1)[-1], fontsize=9)
        ax.set_ylabel("posterior weight")
    figure.suptitle(
        "Marginal posteriors over the prior range\n(line: median; dotted: 90% interval)",
        fontsize=10,
    )
    figure.tight_layout()
    return figure


def generations_figure(generations: pd.DataFrame) -> Figure:
    """Temperature, the accepted particles' distance, the acceptance rate and the weights'
    effective sample size (as a share of the particles) by generation."""
    figure, (left, middle, right) = plt.subplots(1, 3, figsize=(11, 3.2))
    left.plot(generations["generation"], generations["temperature"], marker="o")
    left.set_ylabel("temperature (1: the posterior)")
    left.set_yscale("log")
    middle.plot(generations["generation"], generations["distance_median"], marker="o")
    middle.set_ylabel("median distance D (-2 log-lik.)")
    right.plot(generations["generation"], generations["acceptance_rate"], marker="o",
               label="acceptance rate")
    if "effective_sample_size" in generations:
        right.plot(generations["generation"],
                   generations["effective_sample_size"] / generations["accepted"],
                   marker="s", label="effective sample size / particles")
        right.legend(fontsize=7)
    right.set_ylabel("share")
    right.set_ylim(0, 1)
    for ax in (left, middle, right):
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.suptitle("ABC-SMC temperature, distance and acceptance by generation")
    figure.tight_layout()
    return figure


def write_plots(cal: Calibration, directory: Path, fitted: dict) -> list[Path]:
    """Draw the three figures from the tables in ``directory`` (PNG)."""
    fit = pd.read_csv(directory / "fit.csv")
    posterior = pd.read_parquet(directory / "posterior.parquet")
    generations = pd.read_csv(directory / "generations.csv")
    figures = {
        "targets": targets_figure(fit),
        "posterior": posterior_figure(cal, posterior, fitted),
        "generations": generations_figure(generations),
    }
    written = []
    for name, figure in figures.items():
        path = directory / f"{name}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        written.append(path)
    return written
