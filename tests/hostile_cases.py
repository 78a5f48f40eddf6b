"""Named hostile inputs, one or more per class of issue 13, and how to check a refusal.

A case is files to write (relative to its work directory, ``{work}`` and ``{outside}``
replaced by absolute paths) and the ``sim`` arguments to run there. A clean refusal is exit
1 or 2, no traceback, a message naming the file and line (``name:LINE:``) or the option,
and no file written outside the work directory. Shared by the in-process tests and the
subprocess driver (``tests/hostile_driver.py``), which bounds time and memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SMALL = "run: {horizon_months: 2, replications: 1}\n"


@dataclass(frozen=True)
class Case:
    """One hostile input: files, a command line and what the message must name."""

    name: str
    args: tuple[str, ...]
    files: dict[str, str] = field(default_factory=dict)
    names: str = r"s\.yaml:\d+:"  # regex the message must contain (file:line, or the option)


def _bomb(levels: int = 9, anchor: str = "a") -> str:
    """A 'billion laughs' anchor bomb: 9^levels strings from a few hundred bytes."""
    lines = [f'{anchor}0: &{anchor}0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        ref = f"*{anchor}{i - 1}"
        lines.append(f"{anchor}{i}: &{anchor}{i} [{','.join([ref] * 9)}]")
    return "\n".join(lines) + "\n"


def _sweep(parameter: str, design: str = "{method: lhs, points: 4}") -> str:
    return f"scenario: s.yaml\nparameters:\n  - {parameter}\ndesign: {design}\nreplications: 1\n"


CASES: tuple[Case, ...] = (
    # 1. names that would escape the output directory
    Case("name absolute", ("run", "s.yaml"), {"s.yaml": "run: {name: '{outside}/esc'}\n"}),
    Case("name dotdot", ("run", "s.yaml"), {"s.yaml": "run: {name: ../../x}\n"}),
    Case("name 300 chars", ("run", "s.yaml"), {"s.yaml": f"run: {{name: {'n' * 300}}}\n"}),
    Case(
        "variant name escapes",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": "variants:\n"
            "  'x/../../../../{outside}/v': {policy.regime.deadline_months: 9}\n",
            "w.yaml": _sweep("{path: policy.ofsted.teams, low: 2, high: 5}"),
        },
    ),
    Case(
        "sweep name escapes",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": "name: ../up\n" + _sweep("{path: policy.ofsted.teams, low: 2, high: 5}"),
        },
        r"w\.yaml:\d+:",
    ),
    # 2. bombs and huge inputs
    Case("bomb in run.name", ("validate", "s.yaml"), {"s.yaml": _bomb() + "run: {name: *a8}\n"}),
    Case(
        "bomb in a variant value",
        ("validate", "s.yaml"),
        {
            "s.yaml": "v:\n"
            + "".join("  " + line + "\n" for line in _bomb().splitlines())
            + "variants: {big: {policy.regime.deadline_months: *a8}}\n"
        },
    ),
    Case(
        "bomb in a timeline value",
        ("validate", "s.yaml"),
        {
            "s.yaml": "v:\n"
            + "".join("  " + line + "\n" for line in _bomb().splitlines())
            + "timeline: [{at: '2017-01', set: {policy.regime.deadline_months: *a8}}]\n"
        },
    ),
    Case(
        "bomb in sweep values",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": "v:\n"
            + "".join("  " + line + "\n" for line in _bomb().splitlines())
            + _sweep("{path: policy.ofsted.teams, values: *a8}", "{method: grid}"),
        },
        r"w\.yaml:\d+:",
    ),
    Case("dev zero", ("validate", "/dev/zero"), names=r"/dev/zero: "),
    Case(
        "10 MB under an unknown key",
        ("validate", "s.yaml"),
        {"s.yaml": "junk: [" + "1," * 5_000_000 + "1]\n"},
        r"s\.yaml: file is larger",
    ),
    Case(
        "deep nesting",
        ("validate", "s.yaml"),
        {"s.yaml": "run: " + "[" * 20000 + "]" * 20000 + "\n"},
        r"s\.yaml",
    ),
    Case(
        "a million points",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": _sweep(
                "{path: policy.ofsted.teams, low: 2, high: 5}", "{method: lhs, points: 1000000}"
            ),
        },
        r"w\.yaml:\d+:",
    ),
    Case(
        "a huge grid",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": "scenario: s.yaml\nparameters:\n"
            + "".join(
                f"  - {{path: {p}, values: [{', '.join(str(i) for i in range(1, 40))}]}}\n"
                for p in (
                    "policy.ofsted.teams",
                    "policy.regime.deadline_months",
                    "policy.sponsors.capacity_per_sponsor",
                    "policy.trusts.min_months",
                )
            )
            + "design: {method: grid}\nreplications: 1\n",
        },
        r"w\.yaml:\d+:",
    ),
    Case(
        "three thousand timeline entries",
        ("validate", "s.yaml"),
        {
            "s.yaml": "timeline:\n"
            + "  - {at: '2016-02', set: {policy.regime.deadline_months: 7}}\n" * 3000
        },
    ),
    # 4. tracebacks instead of messages
    Case(
        "out at a file",
        ("run", "s.yaml", "--out", "afile", "--no-plots"),
        {"s.yaml": SMALL, "afile": "x"},
        r"afile",
    ),
    Case(
        "out unwritable",
        ("run", "s.yaml", "--out", "/proc/self/hostile", "--no-plots"),
        {"s.yaml": SMALL},
        r"/proc/self/hostile",
    ),
    Case(
        "out name too long",
        ("run", "s.yaml", "--out", "o" * 300, "--no-plots"),
        {"s.yaml": SMALL},
        r"o{50}",
    ),
    Case(
        "huge --seed",
        ("run", "s.yaml", "--seed", "99999999999999999999"),
        {"s.yaml": SMALL},
        r"--seed",
    ),
    Case("yaml seed 2^80", ("validate", "s.yaml"), {"s.yaml": f"run: {{seed: {2**80}}}\n"}),
    Case("start year 0", ("validate", "s.yaml"), {"s.yaml": "run: {start: '0000-01'}\n"}),
    Case("start year 9999", ("validate", "s.yaml"), {"s.yaml": "run: {start: '9999-12'}\n"}),
    Case(
        "high .inf integer",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": _sweep("{path: policy.ofsted.teams, low: 2, high: .inf, integer: true}"),
        },
        r"w\.yaml:\d+:",
    ),
    Case(
        "design seed 2^80",
        ("sweep", "w.yaml", "--check"),
        {
            "s.yaml": SMALL,
            "w.yaml": _sweep(
                "{path: policy.ofsted.teams, low: 2, high: 5}",
                f"{{method: lhs, points: 4, seed: {2**80}}}",
            ),
        },
        r"w\.yaml:\d+:",
    ),
    # 5. values that make no sense
    Case(
        "inf cost", ("validate", "s.yaml"), {"s.yaml": "world: {costs: {inspection_gbp: .inf}}\n"}
    ),
    Case(
        "nan bar", ("validate", "s.yaml"), {"s.yaml": "policy: {regime: {improvement_bar: .nan}}\n"}
    ),
    Case(
        "inf ages",
        ("validate", "s.yaml"),
        {"s.yaml": "world: {population: {judgement_age_max_months: .inf}}\n"},
    ),
    Case("replications true", ("validate", "s.yaml"), {"s.yaml": "run: {replications: true}\n"}),
    Case(
        "timeline after horizon",
        ("validate", "s.yaml"),
        {"s.yaml": "timeline:\n  - {at: '2040-01', set: {policy.ofsted.teams: 3}}\n"},
    ),
    Case("month with newline", ("validate", "s.yaml"), {"s.yaml": 'run: {start: "2016-04\\n"}\n'}),
    Case(
        "unknown sponsor council",
        ("validate", "s.yaml"),
        {
            "s.yaml": "policy:\n  sponsors:\n    council_sponsors:\n"
            "      - {name: X, councils: [Atlantis]}\n"
        },
    ),
    Case(
        "nan in a variant",
        ("validate", "s.yaml"),
        {"s.yaml": "variants: {v: {policy.regime.deadline_months: .nan}}\n"},
    ),
    Case(
        "bool as a count", ("validate", "s.yaml"), {"s.yaml": "policy: {ofsted: {teams: false}}\n"}
    ),
    # 7. messages at the entry's own line
    Case(
        "timeline out of order",
        ("validate", "s.yaml"),
        {
            "s.yaml": "timeline:\n  - {at: '2018-01', set: {policy.ofsted.teams: 3}}\n"
            "  - {at: '2017-01', set: {policy.ofsted.teams: 4}}\n"
        },
        r"s\.yaml:3:",
    ),
    Case("unquoted date", ("validate", "s.yaml"), {"s.yaml": "run: {start: 2016-04-01}\n"}),
)


def refusal_problems(case: Case, code: int, output: str, work: Path) -> list[str]:
    """What is wrong with how ``case`` was refused (empty: a clean refusal)."""
    found = []
    if code not in (1, 2):
        found.append(f"exit code {code}")
    if "Traceback" in output:
        found.append("traceback")
    pattern = case.names.replace("{work}", re.escape(str(work)))
    if not re.search(pattern, output):
        found.append(f"message does not name {case.names!r}")
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    if len(lines) > 1 and len(set(lines)) != len(lines):
        found.append("a message repeated")
    if "datetime.date(" in output:
        found.append("a datetime repr in the message")
    return found


def write_case(case: Case, work: Path, outside: Path) -> None:
    """Write the case's files into ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    for name, text in case.files.items():
        text = text.replace("{outside}", str(outside)).replace("{work}", str(work))
        (work / name).write_text(text)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")} if folder.exists() else set()
