"""Bad calibration specs give located errors with a did-you-mean (sim.calibration.spec)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.calibration.spec import load_spec
from sim.errors import ScenarioError
from tests.calibration_cases import placeholder_observed, write_case

ROOT = Path(__file__).resolve().parent.parent


def broken(tmp_path: Path, old: str, new: str) -> Path:
    spec = write_case(tmp_path, placeholder_observed(), budget={"population": 4})
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new, 1))
    return spec


def line_of(spec: Path, fragment: str) -> int:
    return next(i for i, line in enumerate(spec.read_text().splitlines(), 1) if fragment in line)


def test_shipped_spec_loads() -> None:
    cal = load_spec(ROOT / "calibration" / "spec.yaml")
    assert cal.observed["sif_first_inadequate"] == 33
    assert len(cal.spec.parameters) >= 4


@pytest.mark.parametrize(
    ("old", "new", "line_fragment", "words"),
    [
        ("replications:", "replicatons:", "replicatons", ["unknown field", "replications"]),
        ("path: world.performance.judgement_noise_sd", "path: world.performance.judgment_noise_sd",
         "judgment_noise_sd", ["did you mean 'judgement_noise_sd'"]),
        ("- first_RI", "- first_R1", "first_R1", ["no target 'first_R1'", "did you mean"]),
        ("statistic: first_grades", "statistic: first_grade", "first_grade",
         ["unknown statistic", "did you mean 'first_grades'"]),
        ("high: 1.0", "high: 7.0", "high: 7.0", ["prior high 7.0 is not allowed"]),
        ("kind: multinomial\n", "kind: median\n", "kind: median", ["needs n, iqr"]),
    ],
)
def test_bad_spec_is_located(
    tmp_path: Path, old: str, new: str, line_fragment: str, words: list[str]
) -> None:
    spec = broken(tmp_path, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_spec(spec)
    message = str(caught.value)
    for word in words:
        assert word in message
    assert caught.value.path == str(spec)
    assert caught.value.line is not None
    assert abs(caught.value.line - line_of(spec, line_fragment)) <= 4


def test_missing_scenario_is_located(tmp_path: Path) -> None:
    spec = broken(tmp_path, "scenario: tiny.yaml", "scenario: tinny.yaml")
    with pytest.raises(ScenarioError, match=r"no scenario file 'tinny\.yaml'") as caught:
        load_spec(spec)
    assert caught.value.line == line_of(spec, "tinny.yaml")
