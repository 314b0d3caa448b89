"""Wiretrace: trace a news story through the press."""

from typing import TYPE_CHECKING, Any

from .models import Article, Figure, Narrative, Quote, ReuseLink, Span, Statement, Story
from .store import Store

if TYPE_CHECKING:
    from .api import Corpus


def __getattr__(name: str) -> Any:
    # ``Corpus`` pulls in the pipeline and the read layer: loaded on first use, so that
    # ``wiretrace --help`` does not pay for it.
    if name == "Corpus":
        from .api import Corpus

        return Corpus
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
