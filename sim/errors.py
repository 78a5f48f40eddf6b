"""Errors the user can act on.

Every problem caused by the user's input (a scenario file, a results directory) is raised as a
``SimError`` subclass so that the command line can print ``str(err)`` and exit with status 1
instead of showing a traceback. Programming errors stay ordinary exceptions.
"""

from __future__ import annotations

import datetime
import enum
import errno
from collections.abc import Sequence

_REPR_LIMIT = 60


class _NotGiven(enum.Enum):
    """Marker type for "no offending value was given" (``None`` is a legitimate value)."""

    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = _NotGiven.NOT_GIVEN


def short_repr(value: object, limit: int = _REPR_LIMIT) -> str:
    """Return ``repr(value)`` cut to ``limit`` characters.

    Offending values can be whole sub-mappings; a one-line message stays readable only if they
    are truncated. Dates (YAML reads an unquoted 2018-01-01 as one) are shown as written,
    not as ``datetime.date(2018, 1, 1)``.
    """
    text = value.isoformat() if isinstance(value, datetime.date) else repr(_undated(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _undated(value: object) -> object:
    """``value`` with every date inside lists and mappings replaced by its ISO text."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_undated(item) for item in value]
    if isinstance(value, dict):
        return {_undated(k): _undated(v) for k, v in value.items()}
    return value


class SimError(Exception):
    """Base of every error the user can act on; the CLI prints str(err) and exits 1."""


class ScenarioError(SimError):
    """A scenario (or override) that cannot be read or does not validate.

    One instance may carry several problems (``errors``), so that a user fixing a file sees
    all of them at once; ``str()`` prints one problem per line, first one first. For a single
    problem ``errors == [self]``. The location attributes of a combined error are those of its
    first problem.

    Attributes:
        message: What is wrong, in words (may be empty when value/expected say it all).
        path: The file (or other source, e.g. ``"<command line>"``) the problem is in.
        line: 1-based line number, if known.
        column: 1-based column number, if known.
        field: Dotted path of the offending field, e.g. ``"world.performance.reversion_rate"``.
        value: The offending input, or ``NOT_GIVEN``.
        expected: What would have been accepted.
        errors: Every problem carried by this error (``[self]`` for a single one).
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        value: object = NOT_GIVEN,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        self.value = value
        self.expected = expected
        self.errors: list[ScenarioError] = [self]
        super().__init__(self.describe())

    @property
    def has_value(self) -> bool:
        """Whether an offending value was recorded (it may be ``None``)."""
        return self.value is not NOT_GIVEN

    def describe(self) -> str:
        """Render this one problem as ``path:line:column: field: message; got X; expected Y``."""
        where = ":".join(str(p) for p in (self.path, self.line, self.column) if p is not None)
        details = [self.message] if self.message else []
        if self.has_value:
            details.append(f"got {short_repr(self.value)}")
        if self.expected:
            details.append(f"expected {self.expected}")
        parts = [where, self.field or "", "; ".join(details)]
        return ": ".join(part for part in parts if part)

    def __str__(self) -> str:
        return "\n".join(err.describe() for err in self.errors)

    @classmethod
    def combine(cls, errors: Sequence[ScenarioError]) -> ScenarioError:
        """Merge several problems into one raisable error, keeping their order.

        Raises:
            ValueError: If ``errors`` is empty (a caller bug, not a user error).
        """
        leaves = [leaf for err in errors for leaf in err.errors]
        if not leaves:
            raise ValueError("ScenarioError.combine needs at least one error")
        if len(leaves) == 1:
            return leaves[0]
        first = leaves[0]
        combined = cls(
            first.message,
            path=first.path,
            line=first.line,
            column=first.column,
            field=first.field,
            value=first.value,
            expected=first.expected,
        )
        combined.errors = leaves
        combined.args = (str(combined),)
        return combined


class ResultsError(SimError):
    """A results directory that is missing, incomplete or from another model version."""


class ExecutionError(SimError):
    """An executor that cannot run the tasks: an unreachable cluster, or one on another version."""


_OS_HINTS = {
    errno.ENOSPC: "free some space, then run again with --resume (finished work is kept)",
    errno.EDQUOT: "free some space, then run again with --resume (finished work is kept)",
    errno.EACCES: "choose a directory you can write to (--out)",
    errno.EPERM: "choose a directory you can write to (--out)",
    errno.EROFS: "choose a directory you can write to (--out)",
    errno.ENAMETOOLONG: "choose a shorter --out or name",
    errno.ENOTDIR: "a part of the path is a file; choose another --out",
    errno.EEXIST: "choose another --out",
}


def os_error_message(err: OSError) -> str:
    """One line for an OS error caused by the user's disk or paths: the file, why, what to do.

    A full disk, a read-only directory, a name too long or a file where a directory was
    expected are the user's to fix, not a bug: the CLI prints this instead of a traceback.
    """
    where = err.filename if err.filename is not None else "a file"
    hint = _OS_HINTS.get(err.errno or 0, "check the path and the disk")
    return f"{where}: cannot write or read ({err.strerror or err}); {hint}"
