"""Text reuse: who copied or reworded whom, passage by passage, and per-article provenance."""

from .config import ReuseConfig

__all__ = ["ReuseConfig"]
