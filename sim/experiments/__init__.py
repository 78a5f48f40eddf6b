"""Plans of tasks, task keys, executors (pool and Dask), sweep files and designs."""
