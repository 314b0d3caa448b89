"""Wiretrace: trace a news story through the press."""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Corpus
    from .models import Article, Figure, Narrative, Quote, ReuseLink, Span, Statement, Story
    from .store import Store

# Where each public name lives: loaded on first use (``Corpus`` pulls in the pipeline and
# the read layer), so that ``wiretrace --help`` pays for none of them.
_LAZY = {
    "Corpus": "api",
    "Store": "store",
    **dict.fromkeys(
        ("Article", "Figure", "Narrative", "Quote", "ReuseLink", "Span", "Statement", "Story"),
        "models",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'wiretrace' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Article",
    "Corpus",
    "Figure",
    "Narrative",
    "Quote",
    "ReuseLink",
    "Span",
    "Statement",
    "Store",
    "Story",
    "__version__",
]
