"""Calendar months and simulated months: the one place that converts between them.

Simulated time is in months from the scenario's start month (``run.start``,
"YYYY-MM"); month ``m`` is the calendar month ``m`` after it. Dates of the
councils table ("YYYY-MM-DD") are converted at 365.25 / 12 days per month.
Used by the schema (timeline dates), the model's setup (ages of judgements),
the task tables (the ``date`` column) and the plots (the date axis).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

DAYS_PER_MONTH = 365.25 / 12  # mean Gregorian month [days]
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")  # matched whole (fullmatch): no "\n"


def month_index(year_month: str) -> int:
    """Months since year 0 of a 'YYYY-MM' string (for differences between months).

    Raises:
        ValueError: If the text is not a month 'YYYY-MM'.
    """
    match = _YEAR_MONTH.fullmatch(year_month)
    if match is None:  # the caller's error shows the value (once)
        raise ValueError("expected a month as 'YYYY-MM'")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def year_month(index: int) -> str:
    """The 'YYYY-MM' text of a month index (the inverse of ``month_index``)."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months_between(earlier: str, start_month: str) -> float:
    """Months from a date 'YYYY-MM-DD' to the first day of 'YYYY-MM' (positive if earlier)."""
    start = date.fromisoformat(f"{start_month}-01")
    return (start - date.fromisoformat(earlier[:10])).days / DAYS_PER_MONTH


def month_labels(start: str, months: Iterable[float]) -> list[str]:
    """Calendar month 'YYYY-MM' of each whole simulated month from ``start``."""
    first = month_index(start)
    return [year_month(first + int(m)) for m in months]


def month_timestamps(start: str, months: Iterable[float]) -> np.ndarray:
    """Dates of simulated months from ``start`` (a fraction spread over its month), for axes."""
    import numpy as np  # only plots need these: the schema imports this module at start-up
    import pandas as pd

    base, out = pd.Timestamp(start), []
    for m in months:
        whole = math.floor(m)
        first = base + pd.DateOffset(months=whole)
        out.append(first + (m - whole) * (first + pd.DateOffset(months=1) - first))
    return np.array(out, dtype="datetime64[ns]")
