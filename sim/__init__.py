"""Simulator of England's regime for failing children's services (December 2015 reform).

``import sim`` is cheap: ``sim.run``, ``sim.load`` and ``sim.Result`` (``sim.api``)
are imported on first use, so the command line and worker processes do not pay
for pandas and the model just to read the version.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Result", "__version__", "load", "run"]

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from sim.api import Result, load, run


def __getattr__(name: str) -> Any:
    """Lazy access to the Python API (PEP 562)."""
    if name in ("run", "load", "Result"):
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
