"""Where and how work runs: worker counts, progress bars, and dask clusters.

    cores -- how many workers a command uses
    Progress, tqdm_progress, null_progress -- progress reporting handed from the CLI down
    cluster -- independent tasks on a dask.distributed cluster (the optional ``distributed``
    extra; dask is imported only there)
"""

from relucheck._lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    "cores": "parallel",
    "Progress": "progress", "tqdm_progress": "progress", "null_progress": "progress",
})
