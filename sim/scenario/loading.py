"""Loading a scenario file: read the YAML, validate it, and check its variants and timeline.

Variants and timeline entries are dotted-path overrides; each is applied and
re-validated when the file is loaded, so a bad path or value is reported at
its own line before anything runs. So is everything the model would otherwise
find only mid-run (a council sponsor naming a council not in the table).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.calendar import month_index
from sim.errors import ScenarioError
from sim.scenario.bases import load_document
from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.fields import safe_name
from sim.scenario.fitted import apply_fitted
from sim.scenario.schema import Scenario
from sim.scenario.timeline import variant_scenarios
from sim.scenario.validation import validate, with_overrides
from sim.scenario.yamlio import Marks, where

# Inputs drawn or fixed when the world is built; changing them mid-run would be ignored.
FIXED_AT_START = (
    "run",
    "calibration",
    "variants",
    "timeline",
    "world.population",
    "world.signals.max_rate",
    "world.performance.leadership_change_rate",
    "policy.regime.announced_trusts",
    "world.workforce.vacancy_floor",
    "policy.programmes.budget_gbp",
    "policy.programmes.first_year",
    "policy.programmes.years",
    "policy.programmes.schemes",
)
# Inputs a variant may not change: they define the experiment, not a policy.
NOT_IN_VARIANTS = ("run", "variants", "timeline", "calibration")
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
    data, marks = load_document(path)
    scenario = validate(Scenario, data, path=name, marks=marks)
    scenario = apply_fitted(scenario, data, name, marks)
    if scenario.run.name is None:
        default = {"run.name": safe_name(Path(path).stem)}
        scenario = with_overrides(scenario, default, path=name, marks=marks)
    check_timeline_dates(scenario, name, marks)  # the file's own horizon, before overrides
    if overrides:
        scenario = with_overrides(scenario, overrides, path=name, marks=Marks())
    check_variants(scenario, name, marks)
    check_timeline(scenario, name, marks)
    check_sponsors(scenario, load_councils(), name, marks)
    return scenario


def check_timeline_dates(scenario: Scenario, path: str, marks: Marks) -> None:
    """Timeline entries are in date order and fall before the horizon (else they never apply).

    The horizon is the file's own: a shorter run asked for on the command line (a quick
    check) legitimately leaves later entries out, and so may a file built on a base: an
    inherited entry after the file's horizon is not refused (``sim.scenario.bases``).
    Reported at the entry's ``at:``, once.
    """

    def own(loc: tuple[Any, ...]) -> bool:
        return getattr(marks.nearest(loc), "file", None) in (None, path)

    previous: str | None = None
    horizon = scenario.run.horizon_months
    for index, entry in enumerate(scenario.timeline):
        at, field = ("timeline", index, "at"), f"timeline.{index}.at"
        message = None
        if previous is not None and month_index(entry.at) < month_index(previous):
            message = f"comes before the previous entry's {previous}; expected date order"
        elif scenario.months_from_start(entry.at) >= horizon and own(at):
            message = (
                f"is at or after the end of the run ({scenario.run.start} plus {horizon:g} "
                "months), so it would never apply; expected an earlier month or a longer "
                "run.horizon_months"
            )
        if message:
            line, column = marks.nearest(at) or (None, None)
            path = getattr(marks.nearest(at), "file", None) or path
            raise ScenarioError(
                message, path=path, line=line, column=column, field=field, value=entry.at
            )
        previous = entry.at


def _refuse(
    dotted: str,
    prefixes: tuple[str, ...],
    how: str,
    path: str,
    marks: Marks,
    loc: tuple[Any, ...],
) -> None:
    for prefix in prefixes:
        if dotted == prefix or dotted.startswith(prefix + "."):
            located_at = where(marks, loc, path)
            raise ScenarioError(
                f"{dotted}: cannot be changed {how}; expected a path under world or policy "
                f"other than {', '.join(prefixes)}",
                **located_at,
                field=dotted,
            )


def check_variants(scenario: Scenario, path: str, marks: Marks) -> None:
    """Every variant's overrides exist, validate, and do not touch run settings."""
    if scenario.run.baseline in scenario.variants:
        located_at = where(marks, ("variants", scenario.run.baseline), path)
        raise ScenarioError(
            f"variants.{scenario.run.baseline}: a variant may not take the baseline's name; "
            "expected another name (the base scenario is the baseline)",
            **located_at,
            field=f"variants.{scenario.run.baseline}",
        )
    for name, overrides in scenario.variants.items():
        for dotted in overrides:
            _refuse(
                dotted, NOT_IN_VARIANTS, "by a variant", path, marks, ("variants", name, dotted)
            )
        with_overrides(scenario, overrides, path=path, marks=marks, marks_prefix=("variants", name))
        for dotted in overrides:
            _refuse_timeline_clash(scenario, dotted, path, marks, ("variants", name, dotted))


def _refuse_timeline_clash(
    scenario: Scenario, dotted: str, path: str, marks: Marks, loc: tuple[Any, ...]
) -> None:
    """A variant's setting that a timeline entry later overrides would be silently undone."""
    for entry in scenario.timeline:
        for other in entry.set:
            if other == dotted or other.startswith(dotted + ".") or dotted.startswith(other + "."):
                located_at = where(marks, loc, path)
                raise ScenarioError(
                    f"{dotted}: the timeline sets {other} at {entry.at}, which would undo this "
                    "variant's value from then on; expected a path the timeline does not set",
                    **located_at,
                    field=dotted,
                )


def check_timeline(scenario: Scenario, path: str, marks: Marks) -> None:
    """Every timeline entry applies on top of the base and of every variant."""
    checks = (len(scenario.variants) + 1) * len(scenario.timeline)
    if checks > MAX_TIMELINE_CHECKS:
        located_at = where(marks, ("timeline",), path)
        raise ScenarioError(
            f"{len(scenario.timeline)} timeline entries x {len(scenario.variants) + 1} variants "
            f"(baseline included) = {checks:,} scenarios to check; expected at most "
            f"{MAX_TIMELINE_CHECKS:,} (fewer entries or variants)",
            **located_at,
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
            located_at = where(marks, loc, path)
            raise ScenarioError(
                f"{dotted}: {spec.name} names unknown councils {missing}; "
                "expected names from the councils table",
                **located_at,
                field=dotted,
            )
        check_announced_trusts(scenario, resolved, variant, known, path, marks)


def check_announced_trusts(
    scenario: Scenario, resolved: Scenario, variant: str, known: set[str], path: str, marks: Marks
) -> None:
    """Every announced trust of a real population names a council of the table."""
    dotted = "policy.regime.announced_trusts"
    for index, spec in enumerate(resolved.policy.regime.announced_trusts):
        if spec.council in known:
            continue
        loc: tuple[Any, ...] = (*dotted.split("."), index, "council")
        if variant != scenario.run.baseline and dotted in scenario.variants[variant]:
            loc = ("variants", variant, dotted)
        located_at = where(marks, loc, path)
        raise ScenarioError(
            f"{dotted}: unknown council {spec.council!r}; expected a name from the councils table",
            **located_at,
            field=dotted,
        )
