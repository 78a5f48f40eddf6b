"""The `sim` command line: typer commands and console rendering only."""
