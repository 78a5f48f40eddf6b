"""Scenarios built on other scenarios: ``base: history_2016_2025.yaml``.

A scenario file may name one base file (``base:`` at its top level, a path
resolved relative to the file that names it). The base is read the same way (it
may have a base of its own) and the file is merged onto it:

- mappings are merged key by key, the file's own value winning;
- a variant is replaced whole: a file's variant of the same name as one of its
  base's replaces it (two sets of overrides are not combined);
- ``timeline`` is appended: the base's dated entries first, then the file's own
  (so a counterfactual keeps its base's history and can add dated changes after it;
  the date-order check then applies to the whole);
- every other list (``announced_trusts``, ``schemes``...) is replaced whole;
- ``run.name`` is not inherited: a file without its own is named after itself;
- a relative ``calibration`` path is resolved against the file that wrote it.

Every entry keeps the position of the file that wrote it (``yamlio.Spot``), so an
error is reported at the file, line and field where the offending value is.
Bounds, on top of each file's own (``yamlio.MAX_BYTES``, ``MAX_NODES``): a chain of
at most ``MAX_DEPTH`` bases, no file twice in a chain (a cycle), and the merged
document at most ``MAX_NODES`` values.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.yamlio import MAX_NODES, Loc, Marks, Position, load_yaml, located

MAX_DEPTH = 4  # bases above a file [count]: history -> a study -> a variant of it is 2
APPENDED = ("timeline",)  # top-level lists a file adds to its base's instead of replacing
REPLACED_WHOLE = ("variants",)  # mappings whose entries a file replaces whole, by name
NOT_INHERITED: tuple[Loc, ...] = (("run", "name"),)


def load_document(path: str | Path) -> tuple[dict[str, Any], Marks]:
    """A scenario file's data with its bases merged in, and where each entry was written.

    Raises:
        ScenarioError: located at the ``base:`` line for a missing base, a cycle or too
            deep a chain; anything wrong inside a base is reported in the base file.
    """
    data, marks = _load(Path(path), ())
    size = _size(data)
    if size > MAX_NODES:
        raise ScenarioError(
            f"with its bases merged in, the scenario has {size:,} values; expected at most "
            f"{MAX_NODES:,}",
            path=str(path),
            field="base",
        )
    return data, marks


def _load(file: Path, chain: tuple[Path, ...]) -> tuple[dict[str, Any], Marks]:
    """``file`` with its chain of bases merged in; ``chain``: the files below it so far."""
    data, marks = load_yaml(file)
    if "base" not in data:
        return data, marks
    base = data.pop("base")
    target, seen = _base_file(file, base, chain, marks.value(("base",)))
    under, under_marks = _load(target, seen)
    calibration = under.get("calibration")
    if isinstance(calibration, str) and not Path(calibration).is_absolute():
        under["calibration"] = str((target.parent / calibration).resolve())
    for loc in NOT_INHERITED:
        _drop(under, loc)
    merged = Marks()
    return _merge(under, data, (), under_marks, marks, merged), merged


def _base_file(
    file: Path, base: Any, chain: tuple[Path, ...], pos: Position | None
) -> tuple[Path, tuple[Path, ...]]:
    """The file ``base:`` names (relative to ``file``) and the chain with ``file`` added.

    Raises:
        ScenarioError: At the ``base:`` line, for a name that is not text, a cycle, too
            long a chain, or a base that is not a regular file.
    """
    name = str(file)
    if not isinstance(base, str) or not base.strip():
        raise located(
            "base: expected the name of a scenario file (relative to this one)",
            name, pos, field="base", value=base,
        )  # fmt: skip
    target = file.parent / base
    seen = (*chain, file.resolve())
    if target.resolve() in seen:
        cycle = " -> ".join(p.name for p in (*seen, target.resolve()))
        raise located(
            f"base: {base!r} is already in this chain of bases ({cycle}); expected a file "
            "that does not build on this one",
            name, pos, field="base", value=base,
        )  # fmt: skip
    if len(seen) > MAX_DEPTH:
        raise located(
            f"base: {base!r} would be base number {len(seen)} in a chain; expected at most "
            f"{MAX_DEPTH} bases above a file",
            name, pos, field="base", value=base,
        )  # fmt: skip
    if not target.is_file():
        what = "not a regular file (a directory, device or pipe)" if target.exists() else (
            "no such file"
        )
        raise located(
            f"base: {what} {str(target)!r}; expected a scenario file (relative to this one)",
            name, pos, field="base", value=base,
        )  # fmt: skip
    return target, seen


def _drop(data: dict[Any, Any], loc: Loc) -> None:
    """Remove the entry at ``loc`` if it is there."""
    here: Any = data
    for key in loc[:-1]:
        here = here.get(key) if isinstance(here, dict) else None
    if isinstance(here, dict):
        here.pop(loc[-1], None)


def _copy_marks(source: Marks, loc: Loc, target: Marks, at: Loc | None = None) -> None:
    """Copy the marks of ``loc`` and everything under it, moved to ``at`` if given."""
    at = loc if at is None else at
    for entry in source.locs():
        if entry[: len(loc)] == loc:
            moved = (*at, *entry[len(loc) :])
            key, value = source.key(entry), source.value(entry)
            if key is not None and value is not None:
                target.add(moved, key=key, value=value)


def _merge(base: Any, own: Any, loc: Loc, base_marks: Marks, marks: Marks, out: Marks) -> Any:
    """``own`` merged onto ``base`` (the rules in the module docstring); marks into ``out``."""
    if loc == ("timeline",) and isinstance(base, list) and isinstance(own, list):
        _copy_marks(base_marks, loc, out)
        for index in range(len(own)):
            _copy_marks(marks, (*loc, index), out, (*loc, len(base) + index))
        _copy_key(marks, loc, out)
        return [*base, *own]
    whole = len(loc) == 2 and loc[0] in REPLACED_WHOLE
    if not (isinstance(base, dict) and isinstance(own, dict)) or whole:
        _copy_marks(marks, loc, out)
        return own
    result: dict[Hashable, Any] = {}
    for key in [*base, *(k for k in own if k not in base)]:
        here = (*loc, key)
        if key not in own:
            _copy_marks(base_marks, here, out)
            result[key] = base[key]
        elif key not in base:
            _copy_marks(marks, here, out)
            result[key] = own[key]
        else:
            result[key] = _merge(base[key], own[key], here, base_marks, marks, out)
            _copy_key(marks, here, out)
    _copy_key(marks, loc, out)
    return result


def _copy_key(source: Marks, loc: Loc, target: Marks) -> None:
    key, value = source.key(loc), source.value(loc)
    if key is not None and value is not None:
        target.add(loc, key=key, value=value)


def _size(data: Any) -> int:
    """Values in plain data (every scalar, list and mapping), counted iteratively."""
    count, stack = 0, [data]
    while stack:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count
