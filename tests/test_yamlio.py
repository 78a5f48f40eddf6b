"""Located, actionable errors for scenario YAML (sim.scenario.yamlio, sim.errors)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.errors import NOT_GIVEN, ScenarioError, SimError
from sim.scenario.validation import get_path, validate, with_overrides
from sim.scenario.yamlio import Marks, load_yaml, suggest


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Drift(_Frozen):
    theta: float = Field(ge=0)
    sigma: float = Field(default=0.1, ge=0)


class Sponsor(_Frozen):
    name: str
    capacity: int = Field(ge=0)


class World(_Frozen):
    drift: Drift
    mode: Literal["fast", "slow"] = "slow"
    sponsors: list[Sponsor] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _fast_needs_sponsors(self) -> World:
        if self.mode == "fast" and not self.sponsors:
            raise ValueError("fast mode needs sponsors")
        return self


class Policy(_Frozen):
    deadline_months: int = Field(ge=1)
    label: str | None = None


class Step(_Frozen):
    at: str
    set_: dict[str, Any] = Field(alias="set")


class Doc(_Frozen):
    world: World
    policy: Policy
    variants: dict[str, dict[str, Any]] = Field(default_factory=dict)
    timeline: list[Step] = Field(default_factory=list)


BASE = """\
world:
  drift:
    theta: 0.5
  mode: fast
  sponsors:
    - name: A
      capacity: 2
    - name: B
      capacity: 5
  weights:
    north: 1.5
policy:
  deadline_months: 6
variants:
  quick:
    policy.deadline_months: 3
    world.sponsors.1.capacity: 7
    world.weights.east: 0.5
  typo:
    policy.deadline_monts: 3
  bad:
    world.drift.theta: -1
timeline:
  - at: "2018-01"
    set:
      world.mode: medium
"""


def _write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _raises(action: Callable[[], object]) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        action()
    return info.value


def _load_doc(path: Path) -> Doc:
    data, marks = load_yaml(path)
    return validate(Doc, data, path=str(path), marks=marks)


def _doc_error(tmp_path: Path, text: str) -> ScenarioError:
    return _raises(lambda: _load_doc(_write(tmp_path, text)))


def _variant(tmp_path: Path, name: str) -> Doc:
    path = _write(tmp_path, BASE)
    data, marks = load_yaml(path)
    doc = validate(Doc, data, path=str(path), marks=marks)
    base = doc.model_copy(update={"variants": {}, "timeline": []})
    return with_overrides(
        base, doc.variants[name], path=str(path), marks=marks, marks_prefix=("variants", name)
    )


# ----------------------------------------------------------------------------- loading


def test_valid_file_loads_with_marks_for_keys_values_and_items(tmp_path: Path) -> None:
    data, marks = load_yaml(_write(tmp_path, BASE))
    assert data["timeline"][0]["at"] == "2018-01"  # SafeLoader: a year-month stays text
    assert marks.key(("world", "drift")) == (2, 3)
    assert marks.value(("world", "drift", "theta")) == (3, 12)
    assert marks.key(("world", "sponsors", 1)) == (8, 7)
    assert marks.key(("variants", "typo", "policy.deadline_monts")) == (20, 5)
    assert marks.value(("timeline", 0, "set", "world.mode")) == (26, 19)
    assert marks.nearest(("world", "drift", "sigma")) == marks.value(("world", "drift"))
    assert isinstance(marks, Marks)


def test_full_dates_become_dates_as_in_safe_loader(tmp_path: Path) -> None:
    data, _ = load_yaml(_write(tmp_path, "a: 2018-01-05\nb: 2018-01\n"))
    assert data == yaml.safe_load("a: 2018-01-05\nb: 2018-01\n")


def test_missing_file(tmp_path: Path) -> None:
    err = _raises(lambda: load_yaml(tmp_path / "nope.yaml"))
    assert str(err) == f"{tmp_path / 'nope.yaml'}: no such file"
    assert err.path == str(tmp_path / "nope.yaml") and err.line is None


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    assert "is a directory" in str(_raises(lambda: load_yaml(tmp_path)))


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    err = _raises(lambda: load_yaml(_write(tmp_path, text)))
    assert str(err).endswith("s.yaml: file is empty; expected a mapping of field names to values")


def test_top_level_list(tmp_path: Path) -> None:
    err = _raises(lambda: load_yaml(_write(tmp_path, "- world\n- policy\n")))
    assert (err.line, err.column) == (1, 1)
    assert "top level is a list; expected a mapping" in str(err)


def test_top_level_scalar(tmp_path: Path) -> None:
    assert "top level is a single value (text)" in str(
        _raises(lambda: load_yaml(_write(tmp_path, "hello\n")))
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"a: 1\nb: caf\xe9\n")
    err = _raises(lambda: load_yaml(path))
    assert err.line == 2 and "not UTF-8" in str(err)


def test_malformed_yaml_uses_problem_mark(tmp_path: Path) -> None:
    err = _raises(lambda: load_yaml(_write(tmp_path, "world:\n  drift: [1, 2\npolicy: x\n")))
    assert (err.line, err.column) == (3, 7)
    assert "invalid YAML: while parsing a flow sequence at line 2" in str(err)


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = "world:\n  mode: fast\n  drift: {theta: 1}\n  mode: slow\npolicy: {}\n"
    err = _raises(lambda: load_yaml(_write(tmp_path, text)))
    assert (err.line, err.column) == (4, 3)
    assert err.field == "world.mode"
    assert "duplicate key 'mode' (first given at line 2)" in str(err)


def test_merge_keys_may_override_merged_entries(tmp_path: Path) -> None:
    text = "base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  x: 3\n"
    assert load_yaml(_write(tmp_path, text))[0]["c"] == {"x": 3, "y": 2}


def test_impossible_date_is_located(tmp_path: Path) -> None:
    err = _raises(lambda: load_yaml(_write(tmp_path, "a: 1\nat: 2018-02-30\n")))
    assert (err.line, err.column, err.field) == (2, 5, "at")


# ----------------------------------------------------------------------------- validation


def test_unknown_key_did_you_mean(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("  mode: fast\n", "  mdoe: fast\n"))
    assert (err.line, err.column, err.field) == (4, 3, "world.mdoe")
    assert str(err).endswith(
        "s.yaml:4:3: world.mdoe: unknown field; did you mean 'mode'? "
        "(allowed: drift, mode, sponsors, weights)"
    )
    assert not err.has_value


def test_unknown_key_inside_list_item_and_alias(tmp_path: Path) -> None:
    text = BASE.replace("      capacity: 5\n", "      capacty: 5\n")
    text = text.replace("    set:", "    sett:")
    err = _doc_error(tmp_path, text)
    messages = str(err).splitlines()
    assert [(e.line, e.field) for e in err.errors] == [
        (8, "world.sponsors.1.capacity"),
        (9, "world.sponsors.1.capacty"),
        (24, "timeline.0.set"),
        (25, "timeline.0.sett"),
    ]
    assert "did you mean 'capacity'?" in messages[1]
    assert "did you mean 'set'? (allowed: at, set)" in messages[3]


def test_wrong_type(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("theta: 0.5", "theta: lots"))
    assert (err.line, err.column, err.field, err.value) == (3, 12, "world.drift.theta", "lots")
    assert "got 'lots'; expected a valid number" in str(err)


def test_out_of_range(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("theta: 0.5", "theta: -0.3"))
    assert str(err) == (
        f"{tmp_path / 's.yaml'}:3:12: world.drift.theta: got -0.3; "
        "expected a number >= 0 (Input should be greater than or equal to 0)"
    )


def test_literal(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("mode: fast", "mode: medium"))
    assert (err.line, err.column) == (4, 9)
    assert "world.mode: got 'medium'; expected 'fast' or 'slow'" in str(err)


def test_missing_required_points_at_parent(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("  deadline_months: 6\n", "  label: x\n"))
    assert (err.line, err.column, err.field) == (12, 1, "policy.deadline_months")
    assert str(err).endswith("policy.deadline_months: field required")


def test_several_errors_one_per_line_in_file_order(tmp_path: Path) -> None:
    text = BASE.replace("deadline_months: 6", "deadline_months: 0").replace(
        "theta: 0.5", "theta: -1"
    )
    err = _doc_error(tmp_path, text)
    lines = str(err).splitlines()
    assert len(err.errors) == 2 and len(lines) == 2
    assert ":3:12: world.drift.theta: got -1;" in lines[0]
    assert ":13:20: policy.deadline_months: got 0; expected a number >= 1" in lines[1]
    assert err.line == 3 and isinstance(err, SimError)


def test_value_is_truncated_in_message(tmp_path: Path) -> None:
    err = _doc_error(tmp_path, BASE.replace("theta: 0.5", "theta: " + "x" * 200))
    assert len(str(err)) < 250 and "..." in str(err)


def test_error_pickles_for_worker_processes() -> None:
    err = ScenarioError.combine(
        [ScenarioError("a", path="p", line=1), ScenarioError("b", value=None)]
    )
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) == "p:1: a\nb; got None"
    assert ScenarioError("x").value is NOT_GIVEN


# ----------------------------------------------------------------------------- overrides


def test_override_list_index_and_dict_key(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    original = _load_doc(path)
    changed = _variant(tmp_path, "quick")
    assert changed is not original
    assert get_path(changed, "policy.deadline_months") == 3
    assert get_path(changed, "world.sponsors.1.capacity") == 7
    assert get_path(changed, "world.weights") == {"north": 1.5, "east": 0.5}
    assert isinstance(get_path(changed, "world.sponsors.0"), Sponsor)
    assert get_path(original, "world.sponsors.1.capacity") == 5
    assert original.world.weights == {"north": 1.5}


def test_override_bad_path_did_you_mean(tmp_path: Path) -> None:
    err = _raises(lambda: _variant(tmp_path, "typo"))
    assert (err.line, err.column, err.field) == (20, 5, "policy.deadline_monts")
    assert "unknown field 'deadline_monts' in 'policy'; did you mean 'deadline_months'?" in str(err)


def test_override_bad_value_located_at_override(tmp_path: Path) -> None:
    err = _raises(lambda: _variant(tmp_path, "bad"))
    assert str(err) == (
        f"{tmp_path / 's.yaml'}:22:24: world.drift.theta: got -1; "
        "expected a number >= 0 (Input should be greater than or equal to 0)"
    )


def test_cross_field_check_blames_the_override(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        BASE.replace(
            "    world.weights.east: 0.5\n", "    world.weights.east: 0.5\n    world.sponsors: []\n"
        ),
    )
    data, marks = load_yaml(path)
    doc = validate(Doc, data, path=str(path), marks=marks)
    err = _raises(
        lambda: with_overrides(
            doc,
            doc.variants["quick"],
            path=str(path),
            marks=marks,
            marks_prefix=("variants", "quick"),
        )
    )
    assert str(err) == f"{path}:19:21: world.sponsors: fast mode needs sponsors; got []"


def test_timeline_override_located(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE)
    data, marks = load_yaml(path)
    doc = validate(Doc, data, path=str(path), marks=marks)
    err = _raises(
        lambda: with_overrides(
            doc,
            doc.timeline[0].set_,
            path=str(path),
            marks=marks,
            marks_prefix=("timeline", 0, "set"),
        )
    )
    assert (err.line, err.column, err.field, err.value) == (26, 19, "world.mode", "medium")


@pytest.mark.parametrize(
    ("dotted", "fragment"),
    [
        ("world.sponsors.2.capacity", "'2' is not an index in 'world.sponsors' (0 to 1)"),
        ("world.sponsors.x", "'x' is not an index"),
        ("world.drift.theta.deep", "world.drift.theta is a single value (a number)"),
        ("world.nope", "unknown field 'nope' in 'world'"),
        ("world..mode", "malformed dotted path"),
        ("world.weights.south.x", "no key 'south' in 'world.weights'"),
    ],
)
def test_override_bad_paths(tmp_path: Path, dotted: str, fragment: str) -> None:
    doc = _load_doc(_write(tmp_path, BASE))
    err = _raises(lambda: with_overrides(doc, {dotted: 1}, path="cli", marks=Marks()))
    assert fragment in str(err) and err.path == "cli" and err.line is None


def test_override_whole_section_validated_with_nested_marks(tmp_path: Path) -> None:
    text = BASE + '  - at: "2019-01"\n    set:\n      world.drift:\n        thta: 2\n'
    path = _write(tmp_path, text)
    data, marks = load_yaml(path)
    doc = validate(Doc, data, path=str(path), marks=marks)
    err = _raises(
        lambda: with_overrides(
            doc,
            doc.timeline[1].set_,
            path=str(path),
            marks=marks,
            marks_prefix=("timeline", 1, "set"),
        )
    )
    fields = [(e.line, e.field) for e in err.errors]
    assert fields == [(29, "world.drift.theta"), (30, "world.drift.thta")]
    assert "did you mean 'theta'?" in str(err)


def test_get_path_unknown() -> None:
    doc = Doc(world=World(drift=Drift(theta=1)), policy=Policy(deadline_months=2))
    assert "did you mean 'policy'?" in str(_raises(lambda: get_path(doc, "polcy.label")))
    assert get_path(doc, "world.drift.sigma") == 0.1


def test_suggest() -> None:
    assert suggest("drfit", ["drift", "mode"]) == "drift"
    assert suggest("zzz", ["drift", "mode"]) is None


# ----------------------------------------------------------------------------- fuzzing

KEYS = [
    "world",
    "drift",
    "theta",
    "sigma",
    "mode",
    "sponsors",
    "name",
    "capacity",
    "weights",
    "policy",
    "deadline_months",
    "label",
    "variants",
    "timeline",
    "at",
    "set",
    "drfit",
    "polcy",
    "Theta",
    "capacty",
    "0",
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["fast", "slow", "2018-01", "2018-01-05"])
)
ANY_KEY = st.sampled_from(KEYS) | st.text(max_size=8)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(ANY_KEY, inner, max_size=3),
    max_leaves=5,
)
NEAR_VALID = st.fixed_dictionaries(
    {
        "world": st.fixed_dictionaries(
            {"drift": st.dictionaries(st.sampled_from(["theta", "sigma", "thta"]), SCALARS)},
            optional={
                "mode": SCALARS,
                "weights": st.dictionaries(ANY_KEY, SCALARS, max_size=2),
                "sponsors": st.lists(st.dictionaries(ANY_KEY, SCALARS, max_size=3), max_size=2),
            },
        ),
        "policy": st.dictionaries(
            st.sampled_from(["deadline_months", "label", "dedline"]), SCALARS
        ),
    },
    optional={"timeline": VALUES, "variants": VALUES, "polcy": SCALARS},
)
DOTTED = st.lists(st.sampled_from([*KEYS, "1", "north", "x"]), min_size=1, max_size=4).map(".".join)


def _only_scenario_errors(path: Path) -> None:
    try:
        _load_doc(path)
    except ScenarioError as err:
        assert str(err) and err.path == str(path)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@settings(max_examples=200, deadline=None)
@given(text=st.text())
def test_fuzz_random_text(scratch: Path, text: str) -> None:
    _only_scenario_errors(_write(scratch, text))


@settings(max_examples=100, deadline=None)
@given(raw=st.binary())
def test_fuzz_random_bytes(scratch: Path, raw: bytes) -> None:
    path = scratch / "s.yaml"
    path.write_bytes(raw)
    _only_scenario_errors(path)


@settings(max_examples=200, deadline=None)
@given(doc=st.dictionaries(ANY_KEY, VALUES, max_size=4) | NEAR_VALID)
def test_fuzz_structured(scratch: Path, doc: dict[str, Any]) -> None:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    _only_scenario_errors(_write(scratch, yaml.dump(doc, Dumper=dumper)))


@settings(max_examples=100, deadline=None)
@given(overrides=st.dictionaries(DOTTED, VALUES, max_size=3))
def test_fuzz_overrides(overrides: dict[str, Any]) -> None:
    doc = Doc(
        world=World(
            drift=Drift(theta=1), sponsors=[Sponsor(name="A", capacity=1)], weights={"north": 1.0}
        ),
        policy=Policy(deadline_months=2),
    )
    try:
        changed = with_overrides(doc, overrides, path="cli", marks=Marks())
    except ScenarioError as err:
        assert str(err).startswith("cli")
    else:
        assert isinstance(changed, Doc)
