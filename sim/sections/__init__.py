"""Sections of the scenario schema, one module per institution."""
