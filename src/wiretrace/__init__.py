"""Wiretrace: trace a news story through the press."""

from .api import Corpus
from .models import Article, Figure, Narrative, Quote, ReuseLink, Span, Statement, Story
from .store import Store

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
