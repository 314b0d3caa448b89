"""Readable story titles: the headline of the article most central to the story."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..store import Store
from ..vectors import unit
from .cluster import ArticleFeatures, StoryState

MAX_CHARS = 100


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—–-")
    return cut + "…"


def story_title(store: Store, state: StoryState, members: Sequence[ArticleFeatures]) -> str:
    """Headline of the most central member; its first sentence when no member has a title."""
    if not members:
        return "(empty story)"
    centroid = unit(state.total)
    order = np.argsort(-np.array([float(m.vector @ centroid) for m in members]))
    for i in order.tolist():
        try:
            title = store.get_article(members[i].id).title
        except KeyError:
            continue
        if title:
            return shorten(title)
    central = members[int(order[0])].id
    sentences = store.sentences(central)
    if not sentences:
        return "(untitled story)"
    text = store.get_article(central).text
    return shorten(text[sentences[0].start : sentences[0].end])
