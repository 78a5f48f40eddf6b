"""Print how noisy the calibration's likelihood is: the distance D's Monte Carlo spread.

Usage: python benchmarks/calibration_noise.py [SPEC] [--fitted FILE] [--pairs 8]
       [--workers 2]

At fixed parameter values (the fitted file's medians, by default
``calibration/fitted.yaml``; paths it lacks keep the base scenario's values), runs
``pairs x R`` replications (R: the spec's replications) with seeds the fit does not
use, and computes D of each group of R replications as the fit would (its error
models, Monte Carlo and discrepancy terms included). Printed: per target the mean and
standard deviation of its discrepancy over the groups, and of D. Why: ABC at
temperature 1 weights particles by exp(-D / 2), so a standard deviation of D above
about 2 (one log-likelihood unit) makes the weights uneven whatever the sampler does;
this is the figure behind the README's "Why earlier fits stopped above T = 1".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.calibration.evaluate import Evaluator, combine, with_parameters
from sim.calibration.fit import target_discrepancies
from sim.calibration.spec import load_spec
from sim.experiments.executors import Execution
from sim.model.streams import SeedKey
from sim.scenario.councils import load_councils

ROOT = Path(__file__).resolve().parent.parent
NOISE_SEED = 777  # not the spec's seed: these replications are not the fit's


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", nargs="?", default=str(ROOT / "calibration" / "spec.yaml"))
    parser.add_argument("--fitted", default=str(ROOT / "calibration" / "fitted.yaml"))
    parser.add_argument("--pairs", type=int, default=8, help="groups of R replications")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    cal = load_spec(args.spec)
    fitted = yaml.safe_load(Path(args.fitted).read_text())["parameters"]
    names = {p.path for p in cal.spec.parameters}
    values = {k: float(v["value"]) for k, v in fitted.items() if k in names}
    reps = cal.spec.replications
    keys = [SeedKey(NOISE_SEED, 0, r) for r in range(args.pairs * reps)]
    with Evaluator(load_councils(), cal.spec.targets, Execution(args.workers)) as evaluator:
        stats = evaluator.run(with_parameters(cal.base, values), keys)
    groups = [target_discrepancies(cal, combine(stats[i : i + reps]))
              for i in range(0, len(stats), reps)]
    table = np.array([[g[t.name] for t in cal.spec.targets] for g in groups])
    print(f"{len(groups)} groups of {reps} replications at {args.fitted}")
    for t, column in zip(cal.spec.targets, table.T, strict=True):
        print(f"  {t.name:34s} mean {column.mean():6.2f}  sd {column.std(ddof=1):5.2f}")
    total = table.sum(axis=1)
    print(f"  {'D':34s} mean {total.mean():6.2f}  sd {total.std(ddof=1):5.2f}"
          f"  (log-likelihood sd {total.std(ddof=1) / 2:.2f})")


if __name__ == "__main__":
    main()
