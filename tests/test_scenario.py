"""Scenario files: the shipped ones run, and no input crashes the loader."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError
from sim.experiments.tasks import Task, run_task
from sim.scenario.fields import parameter_table
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from sim.scenario.timeline import timeline_states, variant_scenarios

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))
PATHS = [row.path for row in parameter_table(Scenario())]


def test_there_are_shipped_scenarios():
    assert any(p.name == "reform_2015.yaml" for p in SCENARIOS)


def nested(dotted: str, value: object) -> dict:
    head, _, rest = dotted.partition(".")
    return {head: nested(rest, value) if rest else value}


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(PATHS), value=VALUES, as_variant=st.booleans())
def test_random_field_values_give_success_or_a_scenario_error(tmp_path, path, value, as_variant):
    data = {"variants": {"v": {path: value}}} if as_variant else nested(path, value)
    file = tmp_path / "fuzz.yaml"
    file.write_text(yaml.safe_dump(data))
    try:
        load_scenario(file)
    except ScenarioError as err:
        assert err.line is not None or "cannot be changed" in str(err) or "variant" in str(err)


def test_timeline_entries_before_the_start_apply_from_time_zero():
    from sim.scenario.validation import with_overrides
    from sim.scenario.yamlio import Marks

    scenario = with_overrides(
        Scenario(),
        {
            "timeline": [
                {"at": "2015-06", "set": {"policy.ofsted.capacity_multiplier": 2.0}},
                {"at": "2018-01", "set": {"policy.ofsted.framework": "ILACS"}},
                {"at": "2040-01", "set": {"policy.ofsted.capacity_multiplier": 9.0}},
            ]
        },
        path="<t>",
        marks=Marks(),
    )
    initial, changes = timeline_states(scenario)
    assert initial.policy.ofsted.capacity_multiplier == 2.0
    assert [
        (at, s.policy.ofsted.framework, s.policy.ofsted.capacity_multiplier) for at, s in changes
    ] == [(24.0, "ILACS", 2.0)]


def test_variant_overrides_make_new_scenarios_and_leave_the_base_alone(england):
    from sim.scenario.validation import with_overrides
    from sim.scenario.yamlio import Marks

    base = with_overrides(
        Scenario(),
        {"variants": {"big": {"policy.ofsted.capacity_multiplier": 9.0}}},
        path="<t>",
        marks=Marks(),
    )
    resolved = variant_scenarios(base)
    assert list(resolved) == ["baseline", "big"]
    big, same = resolved["big"].policy.ofsted, base.policy.ofsted
    assert big.capacity_multiplier == 9.0 and same.capacity_multiplier == 1.0


def test_identical_variant_gives_identical_results(england):
    """Common random numbers: a variant that changes nothing reproduces the baseline exactly."""
    from sim.scenario.validation import with_overrides
    from sim.scenario.yamlio import Marks

    base = with_overrides(
        Scenario(),
        {
            "run.horizon_months": 24,
            "variants": {"same": {"policy.ofsted.capacity_multiplier": 1.0}},
        },
        path="<t>",
        marks=Marks(),
    )
    outputs = [
        run_task(Task(n, 0, 0, 5), s, england, False).replication.drop(columns="variant")
        for n, s in variant_scenarios(base).items()
    ]
    assert outputs[0].equals(outputs[1])


def test_a_council_sponsor_of_unknown_councils_is_refused_at_its_line(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(
        "policy:\n"
        "  sponsors:\n"
        "    council_sponsors:\n"
        "      - name: Atlantis\n"
        "        councils: [Atlantis, Hampshire]\n"
    )
    try:
        load_scenario(file)
    except ScenarioError as err:
        assert (err.line, err.field) == (5, "policy.sponsors.council_sponsors")
        assert "Atlantis names unknown councils ['Atlantis']" in str(err)
    else:
        raise AssertionError("an unknown sponsor council was accepted")


def test_a_variant_naming_unknown_sponsor_councils_is_refused_at_the_variant(tmp_path):
    file = tmp_path / "s.yaml"
    file.write_text(
        "variants:\n  v:\n    policy.sponsors.council_sponsors: [{name: X, councils: [Nowhere]}]\n"
    )
    try:
        load_scenario(file)
    except ScenarioError as err:
        assert (err.line, err.field) == (3, "policy.sponsors.council_sponsors")
    else:
        raise AssertionError("an unknown sponsor council was accepted")
