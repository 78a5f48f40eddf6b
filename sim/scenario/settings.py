"""``--set PATH=VALUE``: one-off overrides from the command line, values read as YAML.

``--set policy.regime.deadline_months=3`` gives the integer 3, ``=null`` None,
``=false`` False and ``=[6, 12]`` a list, as the same text would in a scenario
file; the paths and values are then validated like a variant's overrides.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from sim.errors import ScenarioError

WHERE = "--set"


def parse_settings(settings: Sequence[str] | None) -> dict[str, Any]:
    """Dotted path -> value of each ``PATH=VALUE``.

    Raises:
        ScenarioError: For a setting without '=' or a value that is not YAML.
    """
    found: dict[str, Any] = {}
    for setting in settings or ():
        path, equals, text = setting.partition("=")
        if not equals or not path.strip():
            raise ScenarioError(
                "expected PATH=VALUE, e.g. policy.regime.deadline_months=3",
                path=WHERE,
                value=setting,
            )
        try:
            found[path.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ScenarioError(
                f"value is not YAML ({err.__class__.__name__})", path=WHERE, field=path.strip()
            ) from None
    return found
