"""Simulator of England's regime for failing children's services (December 2015 reform)."""

__version__ = "0.1.0"
