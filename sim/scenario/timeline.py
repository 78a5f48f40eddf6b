"""Loading a scenario file, and resolving its variants and dated timeline into scenarios.

Variants and timeline entries are dotted-path overrides; each is applied and
re-validated when the file is loaded, so a bad path or value is reported at
its own line before anything runs. A run then asks for the resolved copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.councils import load_councils
from sim.scenario.fields import month_index, safe_name
from sim.scenario.schema import Scenario
from sim.scenario.validation import validate, with_overrides
from sim.scenario.yamlio import Marks, load_yaml, suggest

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
# Each timeline entry is re-validated under the base and every variant at load (a few ms
# each): beyond this many checks loading alone would take more than about ten seconds.
MAX_TIMELINE_CHECKS = 2_000  # (variants + 1) x timeline entries [count]


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
        default = {"run.name": safe_name(Path(path).stem)}
        scenario = with_overrides(scenario, default, path=name, marks=marks)
    check_timeline_dates(scenario, name, marks)  # the file's own horizon, before overrides
    if overrides:
        scenario = with_overrides(scenario, overrides, path=name, marks=Marks())
    check_variants(scenario, name, marks)
    check_timeline(scenario, name, marks)
    check_sponsor_councils(scenario, name, marks)
    return scenario


def _at(path: str, marks: Marks, loc: tuple[Any, ...], message: str, **kw: Any) -> ScenarioError:
    line, column = marks.nearest(loc) or (None, None)
    return ScenarioError(message, path=path, line=line, column=column, **kw)


def check_timeline_dates(scenario: Scenario, path: str, marks: Marks) -> None:
    """Timeline entries are in date order and fall before the horizon (else they never apply).

    The horizon is the file's own: a shorter run asked for on the command line (a quick
    check) legitimately leaves later entries out. Reported at the entry's own ``at:`` line, once.
    """
    previous: str | None = None
    horizon = scenario.run.horizon_months
    for index, entry in enumerate(scenario.timeline):
        where, field = ("timeline", index, "at"), f"timeline.{index}.at"
        if previous is not None and month_index(entry.at) < month_index(previous):
            message = (
                f"comes before the previous entry's {previous}; expected entries in date order"
            )
            raise _at(path, marks, where, message, field=field, value=entry.at)
        if scenario.months_from_start(entry.at) >= horizon:
            message = (
                f"is at or after the end of the run ({scenario.run.start} plus {horizon:g} "
                "months), so it would never apply; expected an earlier month or a longer "
                "run.horizon_months"
            )
            raise _at(path, marks, where, message, field=field, value=entry.at)
        previous = entry.at


def check_sponsor_councils(scenario: Scenario, path: str, marks: Marks) -> None:
    """Council sponsors of the real population name councils of the councils table."""
    known = set(load_councils().name)
    for variant, resolved in variant_scenarios(scenario).items():
        if resolved.world.population.source != "england_2015":
            continue
        for i, sponsor in enumerate(resolved.policy.sponsors.council_sponsors):
            for j, council in enumerate(sponsor.councils):
                if council in known:
                    continue
                field = f"policy.sponsors.council_sponsors.{i}.councils.{j}"
                loc: tuple[Any, ...] = tuple(field.split("."))
                loc = (*loc[:3], i, loc[4], j)
                if variant != scenario.run.baseline:  # blame the variant that set it
                    loc = ("variants", variant)
                guess = suggest(council, sorted(known))
                hint = f"; did you mean {guess!r}?" if guess else ""
                message = f"no council of that name in the councils table{hint}"
                raise _at(path, marks, loc, message, field=field, value=council)


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
    checks = (len(scenario.variants) + 1) * len(scenario.timeline)
    if checks > MAX_TIMELINE_CHECKS:
        line, column = marks.key(("timeline",)) or (None, None)
        raise ScenarioError(
            f"{len(scenario.timeline)} timeline entries x {len(scenario.variants) + 1} variants "
            f"(baseline included) = {checks:,} scenarios to check; expected at most "
            f"{MAX_TIMELINE_CHECKS:,} (fewer entries or variants)",
            path=path,
            line=line,
            column=column,
            field="timeline",
        )
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


def variant_scenarios(scenario: Scenario) -> dict[str, Scenario]:
    """The baseline and every variant as complete scenarios, baseline first."""
    resolved = {scenario.run.baseline: scenario}
    for name, overrides in scenario.variants.items():
        resolved[name] = with_overrides(scenario, overrides, path=scenario.name, marks=Marks())
    return resolved


def timeline_states(scenario: Scenario) -> tuple[Scenario, list[tuple[float, Scenario]]]:
    """The scenario in force at time 0, and each later (month, scenario) change before the horizon.

    Entries dated at or before the start month are folded into the starting state.
    """
    current = initial = scenario
    changes: list[tuple[float, Scenario]] = []
    for entry in scenario.timeline:
        current = with_overrides(current, entry.set, path=scenario.name, marks=Marks())
        at = float(scenario.months_from_start(entry.at))
        if at <= 0:
            initial = current
        elif at < scenario.run.horizon_months:
            changes.append((at, current))
    return initial, changes
