"""Month-end snapshots and the end-of-run summary of one replication."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from sim.model.council import INADEQUATE
from sim.model.recorder import COUNCIL_COLUMNS, OUTCOMES, ReplicationResult
from sim.model.spending import COST_HEADINGS, discount_factor, present_values
from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World

JUDGED = operator.attrgetter("judged")  # a Council's judged grade
TRUE_KEYS = tuple(f"true_{name}" for name in GRADES)  # monthly columns: councils by grade
JUDGED_KEYS = tuple(f"judged_{name}" for name in GRADES)


def snapshot(world: World, month: int) -> None:
    """Read every council's true and judged grade at a month end (all councils at once).

    The true grade is read here, so child-years truly inadequate are a month-end
    Riemann sum (resolution one month); each institution's ``reading`` sees the
    grades too (Ofsted notes detection onsets there).
    """
    rec = world.recorder
    q = world.latent.start  # every council's q at this month start
    truly = np.searchsorted(world.params.performance.cutpoints, q, side="right")
    judged = np.fromiter(map(JUDGED, world.councils), dtype=np.int64, count=len(world.councils))
    true_counts = np.bincount(truly, minlength=len(GRADES)).tolist()
    row: dict[str, float] = {"month": month}
    row.update(zip(TRUE_KEYS, true_counts, strict=True))
    row.update(zip(JUDGED_KEYS, np.bincount(judged, minlength=len(GRADES)).tolist(), strict=True))
    if month > 0:
        failing = (truly == INADEQUATE).astype(float)
        rec.per_council["months_truly_inadequate"] += failing
        rec.counts["months_truly_inadequate"] += float(true_counts[INADEQUATE])  # sum of failing
        # the month's child-years, discounted at its middle like the month's spending
        rate = world.params.costs.discount_rate_per_year
        rec.counts["child_years_truly_inadequate_discounted"] += float(
            _children(world) @ failing / 12.0 * discount_factor(month - 0.5, rate)
        )
    for institution in world.institutions.values():
        row.update(institution.reading(world, month, truly, judged))
    rec.monthly_rows.append(row)


def _children(world: World) -> np.ndarray:
    """Children in need per council (the weight of child-years), built once per run."""
    rec = world.recorder
    if rec.children is None:
        rec.children = np.array([c.children_in_need for c in world.councils], dtype=float)
    return rec.children


def close_open_spells(world: World) -> None:
    """Credit councils still judged inadequate at the horizon with their time so far."""
    for council in world.councils:
        if council.judged == INADEQUATE:
            elapsed = world.horizon - max(council.judged_at, 0.0)
            world.recorder.count("months_judged_inadequate", council.index, elapsed)


def replication_result(world: World) -> ReplicationResult:
    """Turn the recorder's counts into the registered outcomes and tables."""
    close_open_spells(world)
    rec = world.recorder
    children = np.array([c.children_in_need for c in world.councils], dtype=float)
    truly_months = rec.per_council["months_truly_inadequate"]
    judged_months = rec.per_council["months_judged_inadequate"]
    last = rec.monthly_rows[-1]
    metrics = {
        "child_years_truly_inadequate": float(children @ truly_months) / 12.0,
        "child_years_judged_inadequate": float(children @ judged_months) / 12.0,
        "council_years_truly_inadequate": float(truly_months.sum()) / 12.0,
        "detection_delay_months_mean": rec.mean("detection_delay_months"),
        "inspection_wait_months_mean": rec.mean("inspection_wait_months"),
        "judged_inadequate_end": float(sum(c.judged == INADEQUATE for c in world.councils)),
        "truly_inadequate_end": float(last["true_inadequate"]),
    }
    for institution in world.institutions.values():
        metrics.update(institution.outcomes(world))
    unregistered = set(metrics) - set(OUTCOMES)
    if unregistered:
        raise KeyError(f"outcomes missing from the OUTCOMES registry: {sorted(unregistered)}")
    metrics["cost_total_gbp"] = sum(metrics[name] for name in COST_HEADINGS)
    rate = world.params.costs.discount_rate_per_year
    metrics.update(present_values(rec.monthly_rows, metrics, world.horizon, rate))
    for name in OUTCOMES:
        metrics.setdefault(name, float(rec.counts[name]))
    monthly = {key: np.array([row[key] for row in rec.monthly_rows]) for key in rec.monthly_rows[0]}
    councils: dict[str, np.ndarray] = {"council": np.array(rec.council_names)}
    councils.update({name: rec.per_council[name].copy() for name in COUNCIL_COLUMNS})
    councils["taken_over"] = (rec.per_council["takeovers"] > 0).astype(float)
    councils.update(rec.council_means())
    councils["final_judged_grade"] = np.array([c.judged for c in world.councils])
    return ReplicationResult(
        metrics={name: metrics[name] for name in OUTCOMES},
        monthly=monthly,
        councils=councils,
        events=rec.events if rec.trace else None,
        judgements=rec.judgement_table(),
    )
