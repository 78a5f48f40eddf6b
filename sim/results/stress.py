"""The STRESS-DES reporting checklist, filled from a run where the run knows the answer.

STRESS-DES (Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE,
"Strengthening the reporting of empirical simulation studies: Introducing the
STRESS guidelines", Journal of Simulation 13(1):55-67, 2019) is the reporting
standard for discrete-event simulation studies. Each item is answered from the
results directory (``run``), from the model's own documentation (``model``:
true of every run of this version), or left to the modeller (``modeller``: a
run cannot know the study's purpose or where its code is shared).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Source = Literal["run", "model", "modeller"]


@dataclass(frozen=True)
class Item:
    """One checklist line: its STRESS-DES number and title, the answer, where it came from."""

    number: str
    title: str
    answer: str
    source: Source


def _objectives(facts: dict[str, Any]) -> list[Item]:
    variants = facts["variants"]
    aims = (
        f"Compare {len(variants)} variant(s) ({', '.join(variants)}) with the baseline "
        f"'{facts['baseline']}', paired by replication (common random numbers)."
        if variants
        else "A single configuration: no comparison between variants."
    )
    return [
        Item("1.1", "Purpose of the model", "State the question this study answers.", "modeller"),
        Item(
            "1.2",
            "Model outputs",
            f"{facts['outcome_count']} outcomes per replication, each with a unit and a better "
            "direction (README, Outcomes); monthly counts by true and judged grade and status.",
            "run",
        ),
        Item("1.3", "Experimentation aims", aims, "run"),
    ]


def _logic(facts: dict[str, Any]) -> list[Item]:
    return [
        Item("2.1", "Base model overview diagram", "Not drawn by the tool.", "modeller"),
        Item(
            "2.2",
            "Base model logic",
            "Councils' latent performance drifts as an exact Ornstein-Uhlenbeck process; "
            "Ofsted judges noisy readings; the DfE directs, appoints commissioners, reviews "
            "at a deadline and arranges takeovers by sponsored trusts (README).",
            "model",
        ),
        Item("2.3", "Scenario logic", facts["variant_logic"], "run"),
        Item(
            "2.4",
            "Algorithms",
            "Exact OU and vacancy transitions between events; Student-t 95% intervals over "
            "replications; paired differences; Fieller intervals for cost ratios.",
            "model",
        ),
        Item(
            "2.5",
            "Components",
            f"Entities: {facts['councils']} councils. Resources: Ofsted inspection teams, "
            "commissioners, sponsor slots. Queues: inspections, the sponsor queue "
            f"({facts['queue']}). Entry and exit: councils enter and leave intervention.",
            "run",
        ),
    ]


def _data(facts: dict[str, Any]) -> list[Item]:
    kinds = facts["kinds"]
    return [
        Item(
            "3.1",
            "Data sources",
            f"{kinds.get('fact', 0)} inputs are published facts, each with its source "
            "(parameter table).",
            "run",
        ),
        Item("3.2", "Pre-processing", "calibration/README.md and data/README.md.", "model"),
        Item(
            "3.3",
            "Input parameters",
            "Every input with value, unit, kind and source: the parameter table above.",
            "run",
        ),
        Item(
            "3.4",
            "Assumptions",
            f"{kinds.get('assumption', 0)} inputs are assumptions with their reasons; "
            f"{kinds.get('fitted', 0)} are fitted by calibration.",
            "run",
        ),
    ]


def _experimentation(facts: dict[str, Any]) -> list[Item]:
    return [
        Item(
            "4.1",
            "Initialisation",
            f"Starts from {facts['population']} in {facts['start']}: no warm-up period.",
            "run",
        ),
        Item(
            "4.2",
            "Run length",
            f"{facts['horizon']:g} months from {facts['start']}; {facts['replications']} "
            "replications per variant.",
            "run",
        ),
        Item(
            "4.3",
            "Estimation approach",
            f"Mean and 95% t interval over replications{facts['precision']}.",
            "run",
        ),
    ]


def _implementation(facts: dict[str, Any]) -> list[Item]:
    return [
        Item("5.1", "Software", facts["software"], "run"),
        Item(
            "5.2",
            "Random sampling",
            f"Root seed {facts['seed']}; numpy SeedSequence spawned by (point, replication) "
            "into named streams per source of randomness.",
            "run",
        ),
        Item("5.3", "Model execution", facts["execution"], "run"),
        Item("5.4", "System specification", facts["platform"], "run"),
        Item(
            "6.1", "Computer model sharing statement", "State where the code is shared.", "modeller"
        ),
    ]


def checklist(facts: dict[str, Any]) -> list[Item]:
    """Every STRESS-DES item, in its order, answered from ``facts`` gathered by the report."""
    return [
        *_objectives(facts),
        *_logic(facts),
        *_data(facts),
        *_experimentation(facts),
        *_implementation(facts),
    ]
