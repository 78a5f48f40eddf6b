"""The starting state: councils where England stood on the start date.

Each council's latent score is drawn from its law given its real last judgement
(the judgement is a noisy reading of q on its date), then carried forward
exactly to the start date, with the leadership changes that may have happened
since. So a run starts from England's state in December 2015, not a burn-in.
"""

from __future__ import annotations

import numpy as np

from sim.calendar import months_between
from sim.model.council import Council, draw_given_grade, new_base_level, ou_step
from sim.model.streams import Streams
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import GRADES, Performance, Scenario


def carry_forward(
    base: float, q: float, months: float, perf: Performance, rng: np.random.Generator
) -> tuple[float, float]:
    """Advance (base, q) exactly over ``months``, with Poisson leadership changes on the way."""
    if months <= 0:
        return base, q
    changes = np.sort(rng.uniform(0.0, months, rng.poisson(perf.leadership_change_rate * months)))
    time = 0.0
    for at in (*changes, months):
        q = ou_step(q, base, perf.reversion_rate, perf.volatility, at - time, rng.standard_normal())
        time = at
        if at < months:
            base = new_base_level(base, perf, rng.standard_normal())
    return base, q


def synthetic_rows(scenario: Scenario, table: CouncilTable, rng: np.random.Generator) -> list[dict]:
    """N synthetic councils: grades from the configured shares, sizes resampled from the table."""
    pop = scenario.world.population
    shares = np.array([pop.grade_shares[g] for g in GRADES])
    grades = rng.choice(len(GRADES), size=pop.councils, p=shares / shares.sum())
    donors = rng.integers(0, len(table), size=pop.councils)
    ages = rng.uniform(0.0, pop.judgement_age_max_months, size=pop.councils)
    return [
        {
            "name": f"Synthetic {i + 1:05d}",
            "grade": int(grades[i]),
            "age": float(ages[i]),
            "children_in_need": table.children_in_need[donors[i]],
            "status": "none",
            "status_since": None,
            "partner_in_practice": False,
            "framework": "",
        }
        for i in range(pop.councils)
    ]


def since_month(date_text: str, start: str) -> float | None:
    """Simulated month of a status date 'YYYY-MM-DD' (None when the table gives none)."""
    return -months_between(date_text, start) if date_text else None


def england_rows(scenario: Scenario, table: CouncilTable) -> list[dict]:
    """The real councils, with the age of their last judgement at the start date."""
    return [
        {
            "name": table.name[i],
            "grade": table.grade[i],
            "age": months_between(table.grade_date[i], scenario.run.start),
            "children_in_need": table.children_in_need[i],
            "status": table.status[i],
            "status_since": since_month(table.status_since[i], scenario.run.start),
            "partner_in_practice": table.partner_in_practice[i],
            "framework": table.framework[i] if table.framework else "",
        }
        for i in range(len(table))
    ]


def build_councils(scenario: Scenario, table: CouncilTable, streams: Streams) -> list[Council]:
    """The councils at time 0, with latent scores drawn given their real judgements."""
    rng = streams["population"]
    perf = scenario.world.performance
    if scenario.world.population.source == "synthetic":
        rows = synthetic_rows(scenario, table, rng)
    else:
        rows = england_rows(scenario, table)
    councils = []
    for index, row in enumerate(rows):
        base, q, score = draw_given_grade(row["grade"], perf, rng)
        base, q = carry_forward(base, q, row["age"], perf, rng)
        council = Council(
            index=index,
            name=row["name"],
            children_in_need=row["children_in_need"],
            base=base,
            q=q,
            q_time=0.0,
            judged=row["grade"],
            judged_at=-row["age"],
            status=row["status"],
            partner_in_practice=row["partner_in_practice"],
            judged_score=score,
            status_since=row["status_since"],
            framework=row["framework"],
        )
        councils.append(council)
    return councils
