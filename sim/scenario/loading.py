"""Loading a scenario file: read the YAML, validate it, and check its variants and timeline.

Variants and timeline entries are dotted-path overrides; each is applied and
re-validated when the file is loaded, so a bad path or value is reported at
its own line before anything runs. So is everything the model would otherwise
find only mid-run (a council sponsor naming a council not in the table).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.schema import Scenario
from sim.scenario.timeline import variant_scenarios
from sim.scenario.validation import validate, with_overrides
from sim.scenario.yamlio import Marks, load_yaml

# Inputs drawn or fixed when the world is built; changing them mid-run would be ignored.
FIXED_AT_START = (
    "run",
    "variants",
    "timeline",
    "world.population",
    "world.signals.max_rate",
    "world.performance.leadership_change_rate",
    "world.workforce.vacancy_floor",
    "policy.programmes.budget_gbp",
    "policy.programmes.first_year",
    "policy.programmes.years",
    "policy.programmes.schemes",
)
# Inputs a variant may not change: they define the experiment, not a policy.
NOT_IN_VARIANTS = ("run", "variants", "timeline")


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, validate and check a scenario file (variants and timeline included).

    Args:
        path: the YAML file.
        overrides: dotted-path settings from the command line (e.g. ``run.seed``).

    Raises:
        ScenarioError: located at the file, line and field of the first problem.
    """
    name = str(path)
    data, marks = load_yaml(path)
    scenario = validate(Scenario, data, path=name, marks=marks)
    if scenario.run.name is None:
        scenario = with_overrides(scenario, {"run.name": Path(path).stem}, path=name, marks=marks)
    if overrides:
        scenario = with_overrides(scenario, overrides, path=name, marks=Marks())
    check_variants(scenario, name, marks)
    check_timeline(scenario, name, marks)
    check_sponsors(scenario, load_councils(), name, marks)
    return scenario


def _refuse(
    dotted: str,
    prefixes: tuple[str, ...],
    where: str,
    path: str,
    marks: Marks,
    loc: tuple[Any, ...],
) -> None:
    for prefix in prefixes:
        if dotted == prefix or dotted.startswith(prefix + "."):
            line, column = marks.key(loc) or (None, None)
            raise ScenarioError(
                f"{dotted}: cannot be changed {where}; expected a path under world or policy "
                f"other than {', '.join(prefixes)}",
                path=path,
                line=line,
                column=column,
                field=dotted,
            )


def check_variants(scenario: Scenario, path: str, marks: Marks) -> None:
    """Every variant's overrides exist, validate, and do not touch run settings."""
    if scenario.run.baseline in scenario.variants:
        line, column = marks.key(("variants", scenario.run.baseline)) or (None, None)
        raise ScenarioError(
            f"variants.{scenario.run.baseline}: a variant may not take the baseline's name; "
            "expected another name (the base scenario is the baseline)",
            path=path,
            line=line,
            column=column,
            field=f"variants.{scenario.run.baseline}",
        )
    for name, overrides in scenario.variants.items():
        for dotted in overrides:
            _refuse(
                dotted, NOT_IN_VARIANTS, "by a variant", path, marks, ("variants", name, dotted)
            )
        with_overrides(scenario, overrides, path=path, marks=marks, marks_prefix=("variants", name))


def check_timeline(scenario: Scenario, path: str, marks: Marks) -> None:
    """Every timeline entry applies on top of the base and of every variant."""
    for base in variant_scenarios(scenario).values():
        current = base
        for index, entry in enumerate(scenario.timeline):
            for dotted in entry.set:
                _refuse(
                    dotted,
                    FIXED_AT_START,
                    "by the timeline",
                    path,
                    marks,
                    ("timeline", index, "set", dotted),
                )
            current = with_overrides(
                current, entry.set, path=path, marks=marks, marks_prefix=("timeline", index, "set")
            )


def check_sponsors(scenario: Scenario, table: CouncilTable, path: str, marks: Marks) -> None:
    """Every council sponsor of the base and of each variant names councils of the table.

    A synthetic population picks its sponsors from its best councils, so names are
    not checked there.
    """
    known = set(table.name)
    for variant, resolved in variant_scenarios(scenario).items():
        if resolved.world.population.source == "synthetic":
            continue
        for index, spec in enumerate(resolved.policy.sponsors.council_sponsors):
            missing = [name for name in spec.councils if name not in known]
            if not missing:
                continue
            dotted = "policy.sponsors.council_sponsors"
            loc = (*dotted.split("."), index, "councils")
            if variant != scenario.run.baseline and dotted in scenario.variants[variant]:
                loc = ("variants", variant, dotted)
            line, column = marks.key(loc) or (None, None)
            raise ScenarioError(
                f"{dotted}: {spec.name} names unknown councils {missing}; "
                "expected names from the councils table",
                path=path,
                line=line,
                column=column,
                field=dotted,
            )
