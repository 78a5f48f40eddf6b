"""Spending with its time: present values at the Green Book discount rate.

Each institution writes its cumulative spending by heading into every month-end
snapshot (``monthly.parquet``: ``cost_commissioners_gbp``, ``cost_trusts_gbp``,
``cost_inspections_gbp`` from the regime, ``recruitment_spend_gbp`` from the
workforce). What was spent between two readings is the difference of the
cumulative figures; it is discounted to the run's start (time 0, the scenario's
``run.start``) at the middle of the interval, the unbiased point when spending
accrues through a month (commissioners and trusts by the day, bursaries
monthly). Month 0's reading (what is paid at the start itself) is not
discounted. What accrues after the last month end (a fractional horizon) is the
difference between the end-of-run total and the last reading, discounted at the
middle of that stretch, so the undiscounted increments add up to the total.

The discount factor at ``t`` months is ``(1 + r) ** (-t / 12)``, the Green
Book's annual compounding at rate ``r`` (3.5% a year, a fact in
``world.costs.discount_rate_per_year``), in continuous time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

# The cost headings, in the order tables show them; each is a cumulative monthly column.
COST_HEADINGS: tuple[str, ...] = (
    "cost_commissioners_gbp",
    "cost_trusts_gbp",
    "cost_inspections_gbp",
    "recruitment_spend_gbp",
)
MONTHS_PER_YEAR = 12.0


def discount_factor(months: np.ndarray | float, rate_per_year: float) -> np.ndarray:
    """Present value at time 0 of 1 GBP at ``months`` after the start, at ``rate_per_year``."""
    return np.power(1.0 + rate_per_year, -np.asarray(months, dtype=float) / MONTHS_PER_YEAR)


def discounted(name: str) -> str:
    """The outcome of a heading's present value: ``cost_x_gbp`` -> ``cost_x_discounted_gbp``."""
    stem = name.removesuffix("_gbp")
    return f"{stem}_discounted_gbp"


def present_value(
    months: Sequence[float], cumulative: Sequence[float], total: float, horizon: float, rate: float
) -> float:
    """Present value of spending read cumulatively at ``months`` that ends at ``total``.

    Args:
        months: Months since the start of each reading, increasing, the first 0.
        cumulative: Spending so far at each reading (GBP).
        total: Spending over the whole run (GBP), at ``horizon`` months.
        horizon: The end of the run (months).
        rate: Discount rate per year (0.035 is 3.5%).
    """
    times = np.append(np.asarray(months, dtype=float), horizon)
    spent = np.diff(np.append(0.0, np.append(np.asarray(cumulative, dtype=float), total)))
    # month 0's own reading at t = 0, each later increment at the middle of its interval
    at = np.append(times[:1], (times[:-1] + times[1:]) / 2.0)
    return float(spent @ discount_factor(at, rate))


def present_values(
    rows: Sequence[Mapping[str, float]], totals: Mapping[str, float], horizon: float, rate: float
) -> dict[str, float]:
    """Every cost heading's present value, and their sum (``cost_total_discounted_gbp``), from
    the monthly snapshots ``rows`` and the end-of-run ``totals`` by heading."""
    months = [row["month"] for row in rows]
    values = {
        discounted(name): present_value(
            months, [row.get(name, 0.0) for row in rows], totals[name], horizon, rate
        )
        for name in COST_HEADINGS
    }
    values["cost_total_discounted_gbp"] = sum(values.values())
    return values
