"""Talking points: a watchlist of narratives, their echoes, and recurring claims discovered."""

from .api import add, claims, hits, import_file, list_narratives, promote, spread
from .matching import NarrativesConfig
from .watchlist import WatchlistError, read_watchlist

__all__ = [
    "NarrativesConfig",
    "WatchlistError",
    "add",
    "claims",
    "hits",
    "import_file",
    "list_narratives",
    "promote",
    "read_watchlist",
    "spread",
]
