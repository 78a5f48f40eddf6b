"""Packaging glue that pyproject.toml cannot express on its own.

The shipped scenarios and the calibration files stay where everyone edits them
(``scenarios/`` and ``calibration/`` at the repository root) and are installed
inside the package as ``sim/data/scenarios`` and ``sim/data/calibration``: the
same relative layout, so a scenario's ``calibration: ../calibration/fitted.yaml``
resolves from a wheel as from a checkout. Every other setting is in pyproject.toml.
"""

from setuptools import find_packages, setup

SHIPPED = {"sim.data.scenarios": "scenarios", "sim.data.calibration": "calibration"}

setup(
    packages=[*find_packages(include=["sim", "sim.*"]), *SHIPPED],
    package_dir=SHIPPED,
    package_data={
        "sim": ["py.typed", "data/*.csv", "results/templates/*.j2"],
        "sim.data.scenarios": ["*.yaml"],
        "sim.data.calibration": ["*.yaml", "*.md", "data/*.csv"],
    },
)
