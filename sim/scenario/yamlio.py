"""Read scenario YAML and report validation problems at the line that caused them.

pydantic reports errors by ``loc`` (keys and indices) and knows nothing about files, so YAML
is loaded while recording where every key and value was written (``Marks``), and each pydantic
error becomes a ``ScenarioError`` naming file:line:column, the dotted field, the offending
value and what was expected. Dotted-path overrides (variants, timeline steps, command-line
settings) re-validate the whole model, so every validator also sees the changed values
(``sim.scenario.validation``).
"""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.errors import ScenarioError

Loc = tuple[Hashable, ...]
Position = tuple[int, int]


class Spot(tuple[int, int]):
    """A (line, column) that also names the file it is in.

    A scenario built on a base (``sim.scenario.bases``) holds entries from several files;
    each entry's position says which, so an error is reported in the file that wrote it.
    """

    file: str | None

    def __new__(cls, line: int, column: int, file: str | None = None) -> Spot:
        spot = super().__new__(cls, (line, column))
        spot.file = file
        return spot


_MAP, _SEQ, _MERGE = (f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "merge"))
# libyaml's parser when PyYAML has it (3x faster on large files), else the pure-Python one.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Bounds on what is read, so a hostile file is refused at once instead of exhausting memory.
# The shipped scenarios and sweeps are a few kB and a few hundred nodes; these leave room for
# hand-written files a hundred times larger.
MAX_BYTES = 256_000  # file size [bytes]; parsing it takes about a second
MAX_NODES = 100_000  # scalars, lists and mappings once every alias is expanded [count]


class Marks:
    """1-based (line, column) of the key and the value of every mapping entry and list item.

    Locations are tuples of keys and indices like pydantic's ``loc``; the root is ``()``.
    A list item's key position is the item's own position.
    """

    def __init__(self) -> None:
        self._keys: dict[Loc, Position] = {}
        self._values: dict[Loc, Position] = {}

    def add(self, loc: Loc, *, key: Position, value: Position) -> None:
        """Record where the entry at ``loc`` was written."""
        self._keys[loc], self._values[loc] = key, value

    def key(self, loc: Loc) -> Position | None:
        """Position of the key at exactly ``loc``, if recorded."""
        return self._keys.get(tuple(loc))

    def value(self, loc: Loc) -> Position | None:
        """Position of the value at exactly ``loc``, if recorded."""
        return self._values.get(tuple(loc))

    def locs(self) -> list[Loc]:
        """Every recorded location (for merging the marks of a scenario and its base)."""
        return list(self._keys)

    def nearest(self, loc: Loc, *, key: bool = False) -> Position | None:
        """Position of ``loc`` or else of its closest recorded ancestor.

        Errors can concern things the file never spelt out (a missing field, a default); the
        enclosing entry is then the most useful place to show.
        """
        table, loc = (self._keys if key else self._values), tuple(loc)
        found = (table[loc[:end]] for end in range(len(loc), -1, -1) if loc[:end] in table)
        return next(found, None)


def suggest(name: str, options: Iterable[str]) -> str | None:
    """The option closest to a misspelt ``name``, or None if nothing is close enough."""
    matches = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return matches[0] if matches else None


def unknown_message(what: str, name: str, options: Sequence[str]) -> str:
    guess = suggest(name, options)
    hint = f"; did you mean {guess!r}?" if guess else ""
    return what + hint + (f" (allowed: {', '.join(options)})" if options else "")


def dotted_path(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def _pos(mark: yaml.Mark, path: str | None = None) -> Position:
    return Spot(mark.line + 1, mark.column + 1, path)


def located(message: str, path: str, pos: Position | None, **details: Any) -> ScenarioError:
    """A ``ScenarioError`` at ``pos``: in the file the position names (a base), else ``path``."""
    line, column = pos if pos else (None, None)
    path = getattr(pos, "file", None) or path
    return ScenarioError(message, path=path, line=line, column=column, **details)


def where(marks: Marks, loc: Loc, path: str, *, key: bool = True) -> dict[str, Any]:
    """``path``, ``line`` and ``column`` of the entry at ``loc`` (its key by default).

    The file is the one that wrote the entry (a base file for an inherited entry).
    """
    pos = marks.key(loc) if key else marks.value(loc)
    line, column = pos or (None, None)
    return {"path": getattr(pos, "file", None) or path, "line": line, "column": column}


def kind_of(value: object) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "text"}
    if value is None or isinstance(value, list):
        return "null" if value is None else "a list"
    return f"a single value ({names.get(type(value), type(value).__name__)})"


def load_yaml(path: str | Path) -> tuple[Any, Marks]:
    """Read a YAML file into plain data (SafeLoader semantics) and the positions of its entries.

    Args:
        path: The scenario file; it is named in every error message.

    Returns:
        The data (a dict at the top level) and the ``Marks`` that ``validate`` and
        ``with_overrides`` need to point at lines.

    Raises:
        ScenarioError: If the file is missing, unreadable, not UTF-8, not valid YAML, has a
            duplicate key, is empty, or its top level is not a mapping.
    """
    name = str(path)
    return parse_yaml(_decode(_read(Path(path), name), name), path=name)


def _read(file: Path, name: str) -> bytes:
    """The file's bytes, refused if it is not a regular file or larger than ``MAX_BYTES``
    (a scenario is a few kB: a huge file is a mistake, not one to parse slowly)."""
    try:
        if file.is_dir():
            raise ScenarioError("is a directory; expected a YAML file", path=name)
        if file.exists() and not file.is_file():
            raise ScenarioError(
                "is not a regular file (a device or pipe); expected a YAML file", path=name
            )
        with file.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except FileNotFoundError as exc:
        raise ScenarioError("no such file", path=name) from exc
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read file ({exc})", path=name) from exc
    if len(raw) > MAX_BYTES:
        raise ScenarioError(
            f"file is larger than {MAX_BYTES:,} bytes; expected a scenario or sweep of a few kB",
            path=name,
        )
    return raw


def _decode(raw: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark dropped); a bad byte is located by its line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
            path=name,
            line=raw.count(b"\n", 0, exc.start) + 1,
        ) from exc


def parse_yaml(text: str, *, path: str = "<string>") -> tuple[Any, Marks]:
    """Like ``load_yaml`` for text already in memory; ``path`` names it in messages."""
    marks, node = Marks(), None
    try:
        loader = _LOADER(text)
        try:
            node = loader.get_single_node()
            if node is not None:
                _check_expanded_size(node, path)
            data = _Builder(loader, path, marks).build(node, ()) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from exc
    except RecursionError as exc:
        raise ScenarioError("invalid YAML: nested too deeply", path=path) from exc
    if node is None:
        raise ScenarioError("file is empty; expected a mapping of field names to values", path=path)
    if not isinstance(data, dict):
        raise located(
            f"top level is {kind_of(data)}; expected a mapping of field names to values",
            path,
            _pos(node.start_mark),
        )
    marks.add((), key=_pos(node.start_mark, path), value=_pos(node.start_mark, path))
    return data, marks


def _check_expanded_size(root: yaml.Node, path: str) -> None:
    """Refuse a document whose nodes, with every alias expanded, exceed ``MAX_NODES``.

    The composed tree shares aliased nodes, so it is small even for a "billion laughs" bomb;
    but validation, overrides and copies walk the expanded data. Sizes are counted once per
    distinct node (memoised), so the check itself is fast whatever the bomb.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:  # iterative post-order: deep nesting does not hit the recursion limit
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if children_done or not children:
            total = 1 + sum(sizes.get(id(child), 0) for child in children)
            if total > MAX_NODES:
                raise located(
                    f"too large once its aliases are expanded (more than {MAX_NODES:,} values); "
                    "expected a scenario of at most that many entries (is an anchor reused in a "
                    "loop?)",
                    path,
                    _pos(node.start_mark),
                )
            sizes[id(node)] = total
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _yaml_error(exc: yaml.YAMLError, path: str, text: str) -> ScenarioError:
    if isinstance(exc, yaml.reader.ReaderError):  # a forbidden character; has no mark
        line, start = text.count("\n", 0, exc.position) + 1, text.rfind("\n", 0, exc.position)
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return located(
            f"invalid YAML: character {char!r} is not allowed", path, (line, exc.position - start)
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    message = str(getattr(exc, "problem", None) or exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        message = f"{context} at line {context_mark.line + 1}, {message}"
    return located(f"invalid YAML: {message}", path, _pos(mark) if mark is not None else None)


class _Builder:
    """Builds plain data from one composed node tree while recording marks.

    Walking the nodes ourselves (not ``yaml.safe_load``) is what gives every entry a position
    and lets a duplicate key be reported instead of silently overwriting the first.
    """

    def __init__(self, loader: Any, path: str, marks: Marks) -> None:
        self.loader, self.path, self.marks = loader, path, marks
        self.done: dict[int, Any] = {}  # node id -> data, so aliases share one object
        self.active: set[int] = set()  # nodes being built, to refuse recursive aliases

    def error(self, message: str, node: yaml.Node, loc: Loc) -> ScenarioError:
        return located(
            message, self.path, _pos(node.start_mark, self.path), field=dotted_path(loc) or None
        )

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError) as exc:  # e.g. date 2018-02-30
                raise self.error(f"cannot read {node.value!r} ({exc})", node, loc) from exc
        if id(node) in self.done or id(node) in self.active:
            if id(node) in self.active:
                raise self.error("recursive alias (an anchor used inside itself)", node, loc)
            return self.done[id(node)]
        self.active.add(id(node))
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            result: Any = self.mapping(node, loc)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            result = self.sequence(node, loc)
        else:
            raise self.error(f"unsupported YAML tag {node.tag!r}", node, loc)
        self.active.discard(id(node))
        self.done[id(node)] = result
        return result

    def sequence(self, node: yaml.Node, loc: Loc) -> list[Any]:
        for index, item in enumerate(node.value):
            spot = _pos(item.start_mark, self.path)
            self.marks.add((*loc, index), key=spot, value=spot)
        return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
        self.loader.flatten_mapping(node)  # resolves ``<<: *anchor``; merged entries go first
        merged, result = len(node.value) - explicit, {}
        seen: dict[Any, yaml.Node] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(
                    "a key must be a single value, not a list or mapping", key_node, loc
                )
            key = self.build(key_node, loc)
            first = seen.setdefault(key, key_node) if index >= merged else key_node
            if first is not key_node:
                raise self.error(
                    f"duplicate key {key!r} (first given at line {first.start_mark.line + 1})",
                    key_node,
                    (*loc, key),
                )
            self.marks.add(
                (*loc, key),
                key=_pos(key_node.start_mark, self.path),
                value=_pos(value_node.start_mark, self.path),
            )
            result[key] = self.build(value_node, (*loc, key))
        return result
