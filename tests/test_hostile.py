"""Hostile input (issue 13): nothing escapes the output directory, nothing hangs, no tracebacks.

Named cases per class (``tests.hostile_cases``) run in-process through typer's CliRunner;
the bombs and huge inputs also run in a subprocess under a memory limit and a time limit
(``tests.hostile_driver``); hypothesis builds YAML structures and values from the schema's
own paths plus hostile scalars. ``slow``: every case in its own subprocess, and a larger
hypothesis corpus.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ScenarioError
from sim.experiments.sweep_file import load_sweep
from sim.scenario.fields import parameter_table
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Scenario
from tests.hostile_cases import CASES, Case, files_under, refusal_problems, write_case
from tests.sweeps import ROOT

BOUNDED = [c for c in CASES if c.name.startswith(("bomb", "dev zero", "10 MB", "a million"))]
MEMORY_MB = 1200  # address space of the bounded subprocess (sim imports in ~800 MB of it)
SECONDS = 20  # per bounded case; a refusal takes well under a second once imported


def _run(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, Path]:
    work, outside = tmp_path / "work", tmp_path / "outside"
    write_case(case, work, outside)
    monkeypatch.chdir(work)
    before = files_under(tmp_path)
    result = CliRunner().invoke(app, list(case.args))
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        output += f"\nTraceback: {result.exception!r}"
    escaped = {p for p in files_under(tmp_path) - before if not p.is_relative_to(work)}
    assert not escaped, f"written outside the work directory: {sorted(escaped)}"
    return result.exit_code, output, work


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_named_case_is_refused_cleanly(case: Case, tmp_path: Path, monkeypatch) -> None:
    code, output, work = _run(case, tmp_path, monkeypatch)
    assert refusal_problems(case, code, output, work) == [], output


def _bounded(cases: list[Case], root: Path) -> list[dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OPENBLAS_NUM_THREADS": "1"}
    names = [c.name for c in cases]
    args = [sys.executable, "-m", "tests.hostile_driver", str(MEMORY_MB), str(SECONDS), str(root)]
    done = subprocess.run(
        [*args, *names],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120 + SECONDS * len(cases),
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_bombs_and_huge_inputs_are_refused_within_time_and_memory(tmp_path: Path) -> None:
    results = _bounded(BOUNDED, tmp_path)
    assert [r["name"] for r in results] == [c.name for c in BOUNDED]
    for case, result in zip(BOUNDED, results, strict=True):
        assert result["code"] not in ("timeout", "memory"), result
        problems = refusal_problems(case, result["code"], result["output"], tmp_path)
        assert problems == [], result


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_case_in_its_own_bounded_subprocess(case: Case, tmp_path: Path) -> None:
    (result,) = _bounded([case], tmp_path)
    assert result["code"] not in ("timeout", "memory"), result
    assert refusal_problems(case, result["code"], result["output"], tmp_path) == [], result
    assert not (tmp_path / "case0" / "outside").exists()


# --- hypothesis: YAML structure and values -------------------------------------------------

PATHS = [row.path for row in parameter_table(Scenario())]
HOSTILE_SCALARS = st.one_of(
    st.sampled_from(
        [
            float("inf"),
            float("-inf"),
            float("nan"),
            True,
            False,
            None,
            2**64,
            -(2**63),
            10**30,
            "",
            "../../x",
            "/tmp/esc",
            "x" * 300,
            "2016-04\n",
            "0000-01",
            "9999-99",
            "\x00",
            "2016-01",
            0,
            -1,
            1e308,
            5e-324,
        ]
    ),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.dates(),
)
VALUES = st.recursive(
    HOSTILE_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


@st.composite
def scenario_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario: some schema paths set to hostile values, variants, a timeline, stray keys."""
    document: dict[str, Any] = {}
    for dotted in draw(st.lists(st.sampled_from(PATHS), max_size=4, unique=True)):
        section = _nest(dotted, draw(VALUES))
        key = next(iter(section))
        document[key] = _merge(document.get(key), section[key])
    if draw(st.booleans()):
        document["variants"] = draw(
            st.dictionaries(
                st.text(min_size=1, max_size=70),
                st.dictionaries(st.sampled_from(PATHS), VALUES, max_size=2),
                max_size=2,
            )
        )
    if draw(st.booleans()):
        entry = st.fixed_dictionaries(
            {
                "at": HOSTILE_SCALARS,
                "set": st.dictionaries(st.sampled_from(PATHS), VALUES, max_size=2),
            }
        )
        document["timeline"] = draw(st.lists(entry, max_size=3))
    if draw(st.booleans()):
        document[draw(st.text(max_size=10))] = draw(VALUES)
    return document


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        return {**old, **{k: _merge(old.get(k), v) for k, v in new.items()}}
    return new


def _check_refusal_or_valid(file: Path, load: Any) -> None:
    try:
        load(file)
    except ScenarioError as err:
        for leaf in err.errors:
            assert leaf.path is not None and str(file.name) in leaf.path, str(err)
            assert leaf.line is not None or "file" in leaf.message, str(err)
            assert "datetime.date(" not in str(err)


def _dump(document: Any) -> str:
    try:
        return yaml.safe_dump(document, allow_unicode=True)
    except yaml.YAMLError:
        return yaml.safe_dump({"junk": 1})


FAST = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


@FAST
@given(document=scenario_documents())
def test_hypothesis_scenarios_validate_or_are_refused_at_a_line(document, tmp_path_factory) -> None:
    file = tmp_path_factory.mktemp("h") / "s.yaml"
    file.write_text(_dump(document))
    _check_refusal_or_valid(file, load_scenario)


@FAST
@given(text=st.text(alphabet=st.sampled_from(list("{}[]:&*!-'\"\n #|>?,%@`\\ab1.")), max_size=80))
def test_hypothesis_yaml_text_is_read_or_refused(text, tmp_path_factory) -> None:
    file = tmp_path_factory.mktemp("t") / "s.yaml"
    file.write_text(text)
    _check_refusal_or_valid(file, load_scenario)


@st.composite
def sweep_documents(draw: st.DrawFn) -> dict[str, Any]:
    parameter = st.fixed_dictionaries(
        {
            "path": st.sampled_from(
                ["policy.ofsted.teams", "policy.regime.deadline_months", "run.seed", "nope"]
            )
        },
        optional={
            "low": HOSTILE_SCALARS,
            "high": HOSTILE_SCALARS,
            "integer": HOSTILE_SCALARS,
            "log": HOSTILE_SCALARS,
            "values": st.lists(HOSTILE_SCALARS, max_size=3),
        },
    )
    design = st.fixed_dictionaries(
        {"method": st.sampled_from(["grid", "lhs", "sobol", "x"])},
        optional={"points": HOSTILE_SCALARS, "seed": HOSTILE_SCALARS},
    )
    return {
        "scenario": "s.yaml",
        "parameters": draw(st.lists(parameter, min_size=1, max_size=3)),
        "design": draw(design),
        "replications": draw(HOSTILE_SCALARS),
        **({"name": draw(HOSTILE_SCALARS)} if draw(st.booleans()) else {}),
    }


@FAST
@given(document=sweep_documents())
def test_hypothesis_sweeps_validate_or_are_refused_at_a_line(document, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("w")
    (folder / "s.yaml").write_text("run: {horizon_months: 2}\n")
    (folder / "w.yaml").write_text(_dump(document))
    _check_refusal_or_valid(folder / "w.yaml", load_sweep)


@pytest.mark.slow
@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(document=scenario_documents())
def test_hypothesis_large_corpus(document, tmp_path_factory) -> None:
    file = tmp_path_factory.mktemp("h") / "s.yaml"
    file.write_text(_dump(document))
    _check_refusal_or_valid(file, load_scenario)
