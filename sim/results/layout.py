"""Fixed figure layouts: margins in inches, from the few texts that decide them.

Matplotlib's constrained layout measures every axes' ticks, labels and titles twice
before the final draw: a third of the cost of a small run's plots, which cost about as
much as its model. These helpers place the axes once instead: heights of decorations
come from font sizes (one line of text of ``points`` size), and the widths that vary
(tick labels, variant and council names, a legend) are measured from the font's metrics
without drawing anything. A figure laid out here draws in one pass; its axes titles are
set with ``y=1.0`` (placed, not moved clear of the ticks, which would measure them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import text_to_path

LINE = 1.2  # height of a line of text, in units of its font size (ascent, descent, leading)
PAD = 0.06  # inches of white space at each edge of the figure
TICKS = 10.0  # points: tick labels, axis labels and legends (matplotlib's 'medium')
TITLE = 12.0  # points: axes and figure titles ('large')
TICK_ROOM = (3.5 + 3.5) / 72  # inches: a tick's length and its label's pad
LABEL_ROOM = 4.0 / 72  # inches: an axis label's pad
TITLE_ROOM = 6.0 / 72  # inches: an axes title's pad


def line(points: float) -> float:
    """Inches one line of text of ``points`` size takes across the direction it runs."""
    return LINE * points / 72


def widest(texts: Iterable[str], points: float = TICKS) -> float:
    """Inches of the widest of ``texts`` at ``points`` size (0 for none), from the font's
    metrics: what the Agg renderer will draw, without a renderer."""
    prop = FontProperties(size=points)
    widths = [text_to_path.get_text_width_height_descent(t, prop, ismath=False)[0] for t in texts]
    return max(widths, default=0.0) / 72


def tick_labels(ax: Axes, axis: str = "y") -> list[str]:
    """The major tick labels the axis will draw at its current limits."""
    which = ax.yaxis if axis == "y" else ax.xaxis
    return [t.get_text() for t in which.get_majorticklabels()]


def y_side(ax: Axes, *, label: bool = True) -> float:
    """Inches left of an axes for its y tick labels (as now drawn), ticks and y label."""
    return widest(tick_labels(ax)) + TICK_ROOM + (line(TICKS) + LABEL_ROOM if label else 0.0)


def x_side(*, ticks: bool = True, label: bool = True) -> float:
    """Inches below an axes for its x tick labels, ticks and x label."""
    room = line(TICKS) + TICK_ROOM if ticks else 0.0
    return room + (line(TICKS) + LABEL_ROOM if label else 0.0)


def title_side(points: float = TITLE) -> float:
    """Inches above an axes for its title."""
    return line(points) + TITLE_ROOM


def grid(
    fig: Figure,
    shape: tuple[int, int],
    margins: tuple[float, float, float, float],
    gaps: tuple[float, float] = (0.0, 0.0),
    **subplot: Any,
) -> np.ndarray:
    """A ``shape`` grid of axes in ``fig`` (always 2-d), with the figure's ``margins``
    (left, right, top, bottom) and the ``gaps`` between columns and rows in inches."""
    axes = fig.subplots(*shape, squeeze=False, **subplot)
    place(fig, shape, margins, gaps)
    return axes


def place(
    fig: Figure,
    shape: tuple[int, int],
    margins: tuple[float, float, float, float],
    gaps: tuple[float, float] = (0.0, 0.0),
) -> None:
    """Move a grid of axes to new margins and gaps (inches), e.g. once the tick labels
    that decide the left margin are known. Margins include ``PAD`` at the edge."""
    width, height = fig.get_size_inches()
    left, right, top, bottom = (m + PAD for m in margins)
    rows, columns = shape
    cell_w = max((width - left - right - (columns - 1) * gaps[0]) / columns, 0.1)
    cell_h = max((height - top - bottom - (rows - 1) * gaps[1]) / rows, 0.1)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
        wspace=gaps[0] / cell_w,
        hspace=gaps[1] / cell_h,
    )


def legend_width(fig: Figure, legend: Any) -> float:
    """Inches a legend takes across, with its pad to the axes, laid out by the renderer
    it will be drawn with (its handles, texts and title; nothing is drawn)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    pad = legend.borderaxespad * legend.prop.get_size_in_points() / 72
    return float(legend.get_window_extent(renderer).width) / fig.dpi + pad


def suptitle(fig: Figure, text: str, **style: Any) -> None:
    """The figure's title, ``PAD`` below its top edge (the top margin holds it)."""
    fig.suptitle(text, y=1 - PAD / fig.get_size_inches()[1], va="top", **style)


def footnote(fig: Figure, text: str, **style: Any) -> None:
    """A note centred ``PAD`` above the figure's bottom edge (the bottom margin holds it)."""
    fig.supxlabel(text, y=PAD / fig.get_size_inches()[1], va="bottom", **style)
