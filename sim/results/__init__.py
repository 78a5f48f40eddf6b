"""The results directory, its tables, analysis, plots and comparisons."""
