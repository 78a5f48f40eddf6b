"""Write ``model_reference.json``: outcome distributions of a model version, for equivalence tests.

Usage (from the repository root, with the model version to record on PYTHONPATH):

    PYTHONPATH=<checkout of that version> python tests/data/make_reference.py [--replications 100]

The reference kept in the repository was made with the model of main at commit
527ed3e (mech2's mechanisms merged: ILACS focused visits, criteria-based
intervention), checked out on its own, before issue 10's second speed branch; that
branch's model changes leave the random draws unchanged and its results
byte-identical to main's. ``tests/test_equivalence.py`` runs the
current model on the same settings and checks that each outcome's mean, and the
mean count of councils by judged and true grade in each year, agree within the
stated tolerance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.scenario.councils import load_councils
from sim.scenario.schema import Scenario

HORIZON = 60.0  # months: five years keeps the test short
SEED = 7
SERIES = tuple(f"{kind}_{g}" for kind in ("judged", "true")
               for g in ("inadequate", "requires_improvement", "good", "outstanding"))


def yearly(monthly: dict[str, np.ndarray]) -> dict[str, list[float]]:
    """Mean count of councils per series over the month ends of each year (months 1-12, ...)."""
    months = monthly["month"]
    return {
        name: [float(monthly[name][(months > 12 * y) & (months <= 12 * (y + 1))].mean())
               for y in range(int(HORIZON // 12))]
        for name in SERIES
    }


def sample(scenario: Scenario, replications: int, seed: int) -> dict[str, dict[str, list]]:
    """Per replication: every outcome, and the yearly means of the grade series."""
    table = load_councils()
    metrics: dict[str, list[float]] = {}
    series: dict[str, list[list[float]]] = {}
    for r in range(replications):
        result = run_replication(scenario, SeedKey(seed, 0, r), table)
        for name, value in result.metrics.items():
            metrics.setdefault(name, []).append(float(value))
        for name, values in yearly(result.monthly).items():
            series.setdefault(name, []).append(values)
    return {"metrics": metrics, "series": series}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replications", type=int, default=100)
    args = parser.parse_args()
    scenario = Scenario.model_validate({"run": {"horizon_months": HORIZON}})
    data = sample(scenario, args.replications, SEED + 1000)  # seeds the test does not use
    out = Path(__file__).with_name("model_reference.json")
    out.write_text(json.dumps({"horizon_months": HORIZON, **data}))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
