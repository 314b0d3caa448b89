"""Who said what: entities and speakers, direct and reported quotes, and the same statement
matched across outlets.

The query functions are re-exported lazily: they pull in spaCy, which the CLI should not
pay for at start-up.
"""

from __future__ import annotations

from typing import Any

__all__ = ["all_speakers", "quotes", "statement_views"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import queries

        return getattr(queries, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
