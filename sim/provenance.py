"""What produced a result: the model's code hash and the versions of the packages it ran on.

The version string alone cannot tell two states of the code apart (it is
bumped by hand), so stored results are keyed on a hash of the files that
decide the numbers: the scenario schema, the model, the experiment layer and
the shipped data. Changing a report template or a console table does not
change it; changing a transition or a default does. Computed once per process.
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# What decides a replication's numbers (results/, workflow/ and cli/ only read and show them).
# The shipped data is the tables directly in sim/data (a wheel also installs the scenarios
# under sim/data/scenarios: they are inputs, fingerprinted with each task, not model code).
MODEL_PARTS = ("errors.py", "scenario", "model", "experiments")
DATA = "data"
PACKAGES = ("simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib", "SALib")
HASH_LENGTH = 16


def _model_files() -> list[Path]:
    files: list[Path] = []
    for part in MODEL_PARTS:
        path = PACKAGE / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files += [
                f
                for f in path.rglob("*")
                if f.is_file()
                and f.suffix in (".py", ".csv", ".yaml")
                and "__pycache__" not in f.parts
            ]
    files += [f for f in (PACKAGE / DATA).glob("*.csv") if f.is_file()]
    return sorted(files)


@lru_cache(maxsize=1)
def code_hash() -> str:
    """sha256 (first 16 hex digits) over the model's code and data, by relative path."""
    digest = hashlib.sha256()
    for file in _model_files():
        digest.update(file.relative_to(PACKAGE).as_posix().encode())
        digest.update(b"\0")
        digest.update(file.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:HASH_LENGTH]


def package_versions() -> dict[str, str]:
    """Python and the installed versions of the packages the numbers depend on."""
    found = {"python": sys.version.split()[0]}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found
