"""The array model against the event-by-event model it replaced: the same outcome distributions.

``data/model_reference.json`` holds 100 replications of the model before the
array rewrite (see ``data/make_reference.py``); the random draws differ between
the two models (month-end shocks, bridges and signal candidates are drawn
differently), so samples are compared, not replications. For each outcome, and
for the mean count of councils by judged and true grade in each year, the two
means must agree within 4 standard errors of their difference (two independent
samples; about 80 comparisons, so a false alarm is rare); an outcome without
spread in either sample must be equal up to floating-point rounding (a relative
1e-12: sums such as the discounted recruitment spend come out one ulp apart on
another CPU or numpy build, which sums in another order; any change of the
model's meaning moves them by far more).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.scenario.schema import Scenario
from tests.data.make_reference import SEED, sample

REFERENCE = json.loads((Path(__file__).parent / "data" / "model_reference.json").read_text())
NEW_REPLICATIONS = 30
Z = 4.0
ROUNDING = 1e-12  # relative: floating-point rounding of a sum, not a tolerance on meaning


@pytest.fixture(scope="module")
def new_sample() -> dict:
    scenario = Scenario.model_validate({"run": {"horizon_months": REFERENCE["horizon_months"]}})
    return sample(scenario, NEW_REPLICATIONS, SEED)


def _agree(old: np.ndarray, new: np.ndarray) -> tuple[bool, str]:
    old, new = old[~np.isnan(old)], new[~np.isnan(new)]
    if np.ptp(old) == 0 and np.ptp(new) == 0:
        a, b = float(old[0]), float(new[0])
        return math.isclose(a, b, rel_tol=ROUNDING, abs_tol=0.0), f"{a!r} vs {b!r} (no spread)"
    se = math.sqrt(old.var(ddof=1) / len(old) + new.var(ddof=1) / len(new))
    gap = abs(new.mean() - old.mean())
    return gap <= Z * se, f"old {old.mean():.4g}, new {new.mean():.4g}, {gap / se:.1f} SE"


def test_no_spread_outcomes_allow_rounding_only():
    spend = 89491394.77413034
    assert _agree(np.array([spend] * 3), np.array([math.nextafter(spend, math.inf)] * 3))[0]
    assert not _agree(np.array([spend] * 3), np.array([spend * (1 + 1e-9)] * 3))[0]
    assert not _agree(np.array([0.0] * 3), np.array([1e-300] * 3))[0]


def test_every_outcome_has_the_same_mean(new_sample):
    failures = []
    for name, values in REFERENCE["metrics"].items():
        ok, how = _agree(np.array(values, dtype=float), np.array(new_sample["metrics"][name]))
        if not ok:
            failures.append(f"{name}: {how}")
    assert not failures, failures


def test_councils_by_judged_and_true_grade_each_year_are_the_same(new_sample):
    failures = []
    for name, rows in REFERENCE["series"].items():
        old, new = np.array(rows), np.array(new_sample["series"][name])
        for year in range(old.shape[1]):
            ok, how = _agree(old[:, year], new[:, year])
            if not ok:
                failures.append(f"{name} year {year + 1}: {how}")
    assert not failures, failures
