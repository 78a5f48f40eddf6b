"""Sections of the scenario: the schema, YAML loading and validation, overrides, the timeline."""
