"""Replications to a precision target: how many are enough for a stated confidence interval.

Replications are added in batches (10, 20, 40, ... up to a cap) until the 95%
CI half-width of every named outcome is within a relative target of its mean,
or, with ``absolute``, within a target in the outcome's own unit (1000
child-years, say): a relative target cannot be met by an effect near zero,
which is often the interesting case;
when the scenario has variants, the outcome is the paired difference of each
variant from the baseline, since that is what the comparison reports.
Replication ``r`` always draws from ``SeedKey(seed, 0, r)`` and the batch
sizes are fixed, so the same seed and target stop at the same count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.errors import SimError

if TYPE_CHECKING:  # the CLI imports this module for its defaults: keep it light
    import pandas as pd

DEFAULT_METRIC = "child_years_truly_inadequate"
FIRST_BATCH = 10  # replications in the first batch; each later batch doubles the total
DEFAULT_CAP = 200  # replications per variant at most, unless told otherwise


@dataclass(frozen=True)
class PrecisionTarget:
    """What precision to reach and the most replications to spend on it.

    Attributes:
        relative: Target CI half-width as a fraction of the mean, e.g. 0.05; with
            ``absolute``, the half-width itself in each metric's unit, e.g. 1000.
        metrics: Outcomes that must all reach the target.
        max_replications: Cap on replications per variant.
        first_batch: Replications before the first check.
        absolute: Whether the target is a half-width in the metric's unit.
    """

    relative: float
    metrics: tuple[str, ...] = (DEFAULT_METRIC,)
    max_replications: int = DEFAULT_CAP
    first_batch: int = FIRST_BATCH
    absolute: bool = False

    def __post_init__(self) -> None:
        """Refuse targets that cannot be met and outcomes that do not exist."""
        from sim.model.recorder import OUTCOMES
        from sim.scenario.yamlio import suggest

        if not 0 < self.relative < math.inf:
            example = "half-width such as 1000" if self.absolute else "fraction such as 0.05"
            raise SimError(f"--precision: expected a positive {example}, got {self.relative}")
        for name in self.metrics:
            if name not in OUTCOMES:
                guess = suggest(name, OUTCOMES)
                hint = f"; did you mean {guess!r}?" if guess else ""
                raise SimError(f"--metric {name!r}: unknown outcome{hint}")
        if self.max_replications < 2:
            raise SimError("--max-replications: expected at least 2 (an interval needs two)")

    def batches(self) -> list[int]:
        """Total replications after each batch: first, then doubling, ending at the cap."""
        totals, n = [], min(max(self.first_batch, 2), self.max_replications)
        while n < self.max_replications:
            totals.append(n)
            n *= 2
        return [*totals, self.max_replications]


@dataclass(frozen=True)
class PrecisionOutcome:
    """How a precision run ended.

    Attributes:
        replications: Replications per variant when it stopped.
        met: Whether every metric reached the target.
        reason: One sentence for the user.
        table: ``variant, metric, mean, half_width, relative`` at the end.
    """

    replications: int
    met: bool
    reason: str
    table: pd.DataFrame


def check(
    target: PrecisionTarget, replications: pd.DataFrame, baseline: str, count: int, last: bool
) -> PrecisionOutcome | None:
    """The outcome if the run should stop after ``count`` replications, else None."""
    from sim.results.analysis import relative_precision

    table = relative_precision(replications, baseline, list(target.metrics))
    column = "half_width" if target.absolute else "relative"
    widths = table[column].fillna(math.inf)
    met = bool((widths <= target.relative).all())
    if not (met or last):
        return None
    if target.absolute:
        return _absolute_outcome(target, table, baseline, count, met)
    if met:
        reason = (
            f"target met: every 95% CI half-width is within {target.relative:.1%} of its mean "
            f"after {count} replications"
        )
    else:
        worst = table.iloc[int(table["relative"].to_numpy().argmax())]
        what = (
            worst["metric"]
            if len(table["variant"].unique()) == 1
            else (f"{worst['metric']} ({worst['variant']} - {baseline})")
        )
        width = worst["relative"]
        now = f"within {width:.1%} of its mean" if math.isfinite(width) else "not estimable"
        reason = (
            f"cap of {count} replications reached: the 95% CI half-width of {what} is {now} "
            f"(target {target.relative:.1%})"
        )
    return PrecisionOutcome(count, met, reason, table)


def _absolute_outcome(
    target: PrecisionTarget, table: pd.DataFrame, baseline: str, count: int, met: bool
) -> PrecisionOutcome:
    """How an absolute-precision run ended (half-widths in each metric's own unit)."""
    if met:
        reason = (
            f"target met: every 95% CI half-width is within {target.relative:g} (in its "
            f"outcome's unit) after {count} replications"
        )
        return PrecisionOutcome(count, True, reason, table)
    widths = table["half_width"].fillna(math.inf).to_numpy()
    worst = table.iloc[int(widths.argmax())]
    what = (
        worst["metric"]
        if len(table["variant"].unique()) == 1
        else f"{worst['metric']} ({worst['variant']} - {baseline})"
    )
    from sim.results import measures  # here: `sim --help` does not load the model

    unit = measures.unit(worst["metric"])
    width = float(worst["half_width"])
    now = f"{width:.4g} {unit}".strip() if math.isfinite(width) else "not estimable"
    reason = (
        f"cap of {count} replications reached: the 95% CI half-width of {what} is {now} "
        f"(target {target.relative:g})"
    )
    return PrecisionOutcome(count, False, reason, table)
