"""Numbers in human units and plain-language sentences about paired differences.

A director of children's services reads "4.1k fewer child-years in truly
inadequate services [-9.8k, 1.5k], not distinguishable from the baseline", not
"-4.1e3 ± 5.6e3". The report, the Python API and the console share these
phrasings, so one comparison is described the same way everywhere. Units and
directions come from the measures registry (``sim.results.measures``).
"""

from __future__ import annotations

import math
from typing import Literal

from sim.results import measures

Shape = Literal["count", "length", "share", "money"]

# How each headline outcome reads in a sentence: (phrase, how its size is stated).
PHRASES: dict[str, tuple[str, Shape]] = {
    "child_years_truly_inadequate": ("child-years in truly inadequate services", "count"),
    "child_years_judged_inadequate": ("child-years in services judged inadequate", "count"),
    "council_years_truly_inadequate": ("council-years truly inadequate", "count"),
    "detection_delay_months_mean": ("mean delay to detect a failing service", "length"),
    "takeovers": ("takeovers by a trust", "count"),
    "sponsor_wait_months_mean": ("mean wait for a sponsor", "length"),
    "recovery_months_mean": ("mean time to recover from inadequate", "length"),
    "graduates_qualified": ("programme graduates qualified", "count"),
    "vacancy_rate_mean": ("mean social-worker vacancy rate", "share"),
    "cost_commissioners_gbp": ("on commissioners", "money"),
    "cost_trusts_gbp": ("on trusts", "money"),
    "cost_inspections_gbp": ("on inspections", "money"),
    "recruitment_spend_gbp": ("on the graduate programmes", "money"),
    "cost_total_gbp": ("in all (undiscounted)", "money"),
    "cost_total_discounted_gbp": ("in all (present value)", "money"),
}


def shape_of(metric: str) -> Shape:
    """How a metric's size is stated: by its phrase, else by its registry unit."""
    if metric in PHRASES:
        return PHRASES[metric][1]
    unit = measures.unit(metric)
    if unit == "GBP" or metric.endswith("_gbp"):
        return "money"
    if unit == "share":
        return "share"
    return "length" if unit == "months" else "count"


def number(value: float) -> str:
    """A number in about three significant figures with k/m: 4.1k, 12.3m, 0.52, -880."""
    if math.isnan(value):
        return "n/a"
    size = abs(value)
    if size >= 1e9:
        return f"{value / 1e9:.1f}bn"
    if size >= 1e6:
        return f"{value / 1e6:.1f}m"
    if size >= 1e3:
        return f"{value / 1e3:.1f}k"
    if size >= 100 or value == round(value):
        return f"{value:.0f}"
    return f"{value:.2g}" if size < 1 else f"{value:.1f}"


def amount(value: float, shape: Shape, difference: bool = False, bare: bool = False) -> str:
    """A value in the unit its shape reads in: £ for money, % for shares (percentage
    points for a difference), months (left off when ``bare``: a table states it once)."""
    if math.isnan(value):
        return "n/a"
    if shape == "money":
        sign = "-" if value < 0 else ""
        return f"{sign}£{number(abs(value))}"
    if shape == "share":
        points = value * 100
        if difference and 0 < abs(points) < 0.1:  # two significant figures, never "-0.00"
            return f"{points:.2g} pts"
        return f"{points:.2f} {'pts' if difference else '%'}"
    if shape == "length":
        return f"{value:.1f}" if bare else f"{value:.1f} months"
    return number(value)


def estimate(
    metric: str,
    mean: float,
    low: float,
    high: float,
    difference: bool = False,
    bare: bool = False,
) -> str:
    """'mean [low, high]' in the metric's human unit (the mean alone without an interval)."""
    shape = shape_of(metric)
    parts = [amount(v, shape, difference, bare) for v in (mean, low, high)]
    if math.isnan(low) or math.isnan(high):
        return parts[0]
    return f"{parts[0]} [{parts[1]}, {parts[2]}]"


def verdict(metric: str, low: float, high: float) -> Literal["better", "worse", "unclear"]:
    """Whether a variant-minus-baseline interval shows the variant better, worse or neither."""
    if math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return "unclear"
    better = measures.better(metric)
    if better == "neither":
        return "unclear"
    lower = high < 0
    return "better" if lower == (better == "lower") else "worse"


def _change(metric: str, mean: float) -> str:
    """'4.1k fewer child-years in ...', '£2.0m more spent on trusts', '... 0.5 months longer'."""
    phrase, shape = PHRASES.get(metric, (metric.replace("_", " "), shape_of(metric)))
    size, up = abs(mean), mean > 0
    if shape == "money":
        return f"£{number(size)} {'more' if up else 'less'} spent {phrase}"
    if shape == "length":
        return f"a {phrase} {size:.1f} months {'longer' if up else 'shorter'}"
    if shape == "share":
        points = amount(size, "share", difference=True).removesuffix(" pts")
        return f"a {phrase} {points} percentage points {'higher' if up else 'lower'}"
    return f"{number(size)} {'more' if up else 'fewer'} {phrase}"


def sentence(variant: str, metric: str, mean: float, low: float, high: float) -> str:
    """One plain sentence for a paired difference of a variant from the baseline.

    Example: "deadline_3m: 4.1k fewer child-years in truly inadequate services
    [-9.8k, 1.5k], not distinguishable from the baseline".
    """
    if math.isnan(mean):
        return f"{variant}: no value of {metric.replace('_', ' ')} to compare"
    shape = shape_of(metric)
    ends = [amount(v, shape, difference=True) for v in (low, high)]
    bracket = "" if math.isnan(low) else f" [{ends[0]}, {ends[1]}]"
    judged = {
        "better": "better than the baseline",
        "worse": "worse than the baseline",
        "unclear": "not distinguishable from the baseline",
    }[verdict(metric, low, high)]
    if mean == 0 and (math.isnan(low) or low == high == 0):
        phrase = PHRASES.get(metric, (metric.replace("_", " "), shape))[0]
        return f"{variant}: no difference {'in spending ' if shape == 'money' else 'in '}{phrase}"
    return f"{variant}: {_change(metric, mean)}{bracket}, {judged}"
