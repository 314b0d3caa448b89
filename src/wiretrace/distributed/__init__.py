"""Running the analysis on a Ray cluster (``pip install wiretrace[ray]``).

The stages are the same: each per-article stage's pure batch function runs in Ray Data
``map_batches`` over a pool of actors (each loads its models once); the store stays the
bus on the driver. Nothing here is imported unless ``--engine ray`` is asked for.
"""

from .run import RESULTS_EXPORT, RESULTS_TABLES, analyze_to, load_results

__all__ = ["RESULTS_EXPORT", "RESULTS_TABLES", "analyze_to", "load_results"]
