"""Whole jobs as library calls: a run, a sweep, replications to a precision target."""
