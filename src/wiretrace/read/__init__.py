"""The read layer: every query a view needs, typed rows out.

The web UI, the report, the export, the Python API and the CLI read the store only through
these functions (the stages read and write through their own ``tables`` modules). Each
corpus view takes an optional *scope* of article ids, so a story report shows the same
views as the web UI, restricted to its articles. :func:`plain` turns rows into JSON.
"""

from __future__ import annotations

from .articles import (
    article,
    article_ids,
    article_row,
    articles_list,
    compare,
    outlet_counts,
    publication_counts,
    safe_url,
    search,
)
from .base import (
    HEX,
    ID_KINDS,
    PAGE_SIZE,
    NotFound,
    Scope,
    Unresolved,
    article_meta,
    connect_readonly,
    is_token,
    resolve,
    schema_version,
    suggest,
    valid_id,
)
from .edits import EditRefused, speaker_edits, story_edits
from .events import events
from .figures import figure_groups, figures_in
from .filters import Filter, facets
from .filters import labels as filter_labels
from .lists import hits_list, listing, quotes_list, reuse_list
from .narratives import ORDERS, claims, hits_in, narrative, narratives
from .overview import counts, overview
from .quotes import quotes_in, speaker, speaker_evidence, speakers, statements
from .reuse import edges, links_among, partners, provenance
from .rows import plain
from .stories import (
    STORY_ARTICLE_CAP,
    member_ids,
    stories_list,
    story,
    story_picks,
    story_rows,
    threads_of,
    timeline,
)

__all__ = [
    "HEX",
    "ID_KINDS",
    "ORDERS",
    "PAGE_SIZE",
    "STORY_ARTICLE_CAP",
    "EditRefused",
    "Filter",
    "NotFound",
    "Scope",
    "Unresolved",
    "article",
    "article_ids",
    "article_meta",
    "article_row",
    "articles_list",
    "claims",
    "compare",
    "connect_readonly",
    "counts",
    "edges",
    "events",
    "facets",
    "figure_groups",
    "figures_in",
    "filter_labels",
    "hits_in",
    "hits_list",
    "is_token",
    "links_among",
    "listing",
    "member_ids",
    "narrative",
    "narratives",
    "outlet_counts",
    "overview",
    "partners",
    "plain",
    "provenance",
    "publication_counts",
    "quotes_in",
    "quotes_list",
    "resolve",
    "reuse_list",
    "safe_url",
    "schema_version",
    "search",
    "speaker",
    "speaker_edits",
    "speaker_evidence",
    "speakers",
    "statements",
    "stories_list",
    "story",
    "story_edits",
    "story_picks",
    "story_rows",
    "suggest",
    "threads_of",
    "timeline",
    "valid_id",
]
