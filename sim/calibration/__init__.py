"""Calibration by simulation: a validated spec, targets, ABC-SMC, fitted files.

``spec`` reads and checks ``calibration/spec.yaml``; ``statistics`` computes each
target's model value from a replication's tidy tables; ``loss`` holds the error
models; ``evaluate`` runs a parameter vector's common-random-number replications
on the project's executors; ``fit`` drives pyABC one generation at a time
(resumable); ``outputs`` and ``plots`` write the results directory; ``fitted``
reads a fitted file into scenarios and draws posterior particles.

The model never imports this package.
"""
