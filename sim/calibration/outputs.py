"""The calibration's results: posterior sample, fitted values, fit table.

- ``posterior.parquet``: the last generation's particles: ``particle``, ``weight``,
  ``distance``, then one column per fitted path;
- ``fitted.yaml``: per path the weighted posterior median (``value``) and 90%
  interval (``low``, ``high``, weighted 5% and 95% quantiles), with the spec and
  targets hashes, model version, date and the budget used;
- ``fit.csv``: per target id the observed value, the simulated mean and 90% band
  over the posterior particles' replications (weighted), whether the observation
  is inside the band, and the target's contribution to the distance;
- ``generations.csv``: temperature, evaluations and acceptance rate by generation (the
  posterior is exact under the error models when the last temperature is 1).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyabc
import yaml
from pyabc.weighted_statistics import weighted_mean, weighted_quantile

from sim import __version__
from sim.calibration.fit import target_discrepancies
from sim.calibration.spec import Calibration

BAND = (0.05, 0.95)


def posterior_frame(cal: Calibration, history: pyabc.History) -> pd.DataFrame:
    """The last generation's weighted particles (weights sum to 1)."""
    population = history.get_population(history.max_t)
    rows = [
        {
            "particle": index,
            "weight": float(p.weight),
            "distance": -2.0 * float(p.distance),  # pyABC stores the log-likelihood -D/2
            **{name: float(p.parameter[name]) for name in cal.spec.parameters_paths()},
        }
        for index, p in enumerate(population.particles)
    ]
    frame = pd.DataFrame(rows)
    frame["weight"] /= frame["weight"].sum()
    return frame


def generations_frame(history: pyabc.History) -> pd.DataFrame:
    """Temperature, simulations and acceptance rate of every generation."""
    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0].reset_index(drop=True)
    accepted = history.get_nr_particles_per_population()
    return pd.DataFrame(
        {
            "generation": pops["t"].astype(int),
            "temperature": pops["epsilon"].astype(float),
            "distance_median": [_median_distance(history, int(t)) for t in pops["t"]],
            "evaluations": pops["samples"].astype(int),
            "accepted": [int(accepted[t]) for t in pops["t"]],
            "acceptance_rate": [int(accepted[t]) / max(int(s), 1)
                                for t, s in zip(pops["t"], pops["samples"], strict=True)],
            "effective_sample_size": [_ess(history, int(t)) for t in pops["t"]],
        }
    )


def _ess(history: pyabc.History, t: int) -> float:
    """Kish's effective sample size of a generation's weights, (sum w)^2 / sum w^2: what
    the uneven weights of rejection control (``sim.calibration.acceptance``) leave."""
    weights = history.get_weighted_distances(t)["w"].to_numpy(float)
    return float(weights.sum() ** 2 / np.sum(weights**2))


def _median_distance(history: pyabc.History, t: int) -> float:
    """Weighted median distance D of a generation's particles (pyABC stores -D/2)."""
    frame = history.get_weighted_distances(t)
    weights = frame["w"].to_numpy(float)
    return float(weighted_quantile(-2.0 * frame["distance"].to_numpy(float),
                                   weights / weights.sum(), alpha=0.5))


def _interval(values: np.ndarray, weights: np.ndarray) -> tuple[float, float, float]:
    """Weighted median and 90% interval (pyABC's weighted quantiles)."""
    median = weighted_quantile(values, weights, alpha=0.5)
    low, high = (weighted_quantile(values, weights, alpha=a) for a in BAND)
    return float(median), float(low), float(high)


def fitted_document(
    cal: Calibration, posterior: pd.DataFrame, generations: pd.DataFrame, evaluations: int,
    seconds: float, command: str,
) -> dict[str, Any]:
    """The content of ``fitted.yaml`` (``evaluations`` includes pyABC's prior sample)."""
    weights = posterior["weight"].to_numpy()
    parameters = {}
    for p in cal.spec.parameters:
        value, low, high = _interval(posterior[p.path].to_numpy(), weights)
        parameters[p.path] = {
            "value": round(value, 6), "low": round(low, 6), "high": round(high, 6),
            "prior": f"{p.prior.distribution}({p.prior.low}, {p.prior.high})",
        }
    return {
        "calibration": cal.name,
        "spec": cal.path.name,
        "spec_sha256": cal.spec_hash,
        "targets_sha256": cal.targets_hash,
        "model_version": __version__,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command,
        "method": "ABC-SMC (pyABC, stochastic acceptance under the error models' likelihood, "
        "temperature 1 in the last generation), weighted median and 5%-95% weighted quantiles",
        "budget_used": {
            "generations": len(generations),
            "evaluations": evaluations,
            "replications_per_evaluation": cal.spec.replications,
            "model_runs": evaluations * cal.spec.replications,
            "population": cal.spec.budget.population,
            "final_temperature": float(generations["temperature"].iloc[-1]),
            "final_effective_sample_size": round(
                float(generations["effective_sample_size"].iloc[-1]), 1),
            "seconds": round(seconds, 1),
        },
        "posterior": "posterior.parquet",
        "parameters": parameters,
    }


def fit_frame(cal: Calibration, history: pyabc.History) -> pd.DataFrame:
    """Observed vs simulated for every target id over the last generation's particles."""
    weights, stats = history.get_weighted_sum_stats(t=history.max_t)
    weights = np.asarray(weights, float) / np.sum(weights)
    rows = []
    for target in cal.spec.targets:
        losses = [target_discrepancies(cal, s)[target.name] for s in stats]
        reps = [np.asarray(s[f"{target.name}#reps"], float) for s in stats]
        for i, ident in enumerate(target.ids):
            values = np.concatenate([r[:, i] for r in reps])
            w = np.concatenate([np.full(len(r), wt / len(r)) for r, wt in zip(reps, weights,
                                                                              strict=True)])
            keep = ~np.isnan(values)
            mean, low, high = (np.nan,) * 3
            if keep.any():
                mean = float(weighted_mean(values[keep], w[keep] / w[keep].sum()))
                _, low, high = _interval(values[keep], w[keep] / w[keep].sum())
            observed = cal.observed[ident]
            rows.append({
                "target": ident, "group": target.name, "observed": observed,
                "simulated_mean": mean, "band_low": low, "band_high": high,
                "inside": bool(low <= observed <= high),
                "loss": float(np.dot(weights, losses)),
            })
    return pd.DataFrame(rows)


def write_outputs(
    cal: Calibration, history: pyabc.History, directory: Path, seconds: float, command: str
) -> dict[str, Any]:
    """Write posterior.parquet, fitted.yaml, fit.csv and generations.csv; return fitted."""
    posterior = posterior_frame(cal, history)
    generations = generations_frame(history)
    posterior.to_parquet(directory / "posterior.parquet", index=False)
    generations.to_csv(directory / "generations.csv", index=False)
    fit_frame(cal, history).to_csv(directory / "fit.csv", index=False, float_format="%.6g")
    evaluations = int(history.total_nr_simulations)
    document = fitted_document(cal, posterior, generations, evaluations, seconds, command)
    (directory / "fitted.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return document
