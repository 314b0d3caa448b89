"""Library calls over the attribution tables: quotes by speaker, speakers, statements.

Named apart from the package's modules (``speakers``, ``statements``): a re-exported
function named like a submodule would be the module once that is imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Quote, Speaker
from ..read import quotes as read_quotes
from ..read import records
from ..store import Store
from . import tables
from .entities import name_key


def _matches(speaker: str | None, wanted: str, aliases: dict[str, set[tuple[str, ...]]]) -> bool:
    if speaker is None:
        return False
    key = name_key(wanted)
    own = name_key(speaker)
    if key == own or (key and own[-len(key) :] == key):
        return True
    return key in aliases.get(speaker, set())


def quotes(
    store: Store, speaker: str | None = None, article: str | None = None, kind: str | None = None
) -> list[Quote]:
    """Quotes, optionally of one speaker (any of its names or roles), article or kind.

    Example: quotes(store, speaker="Peskov")
    """
    found = tables.all_quotes(store, article)
    if kind is not None:
        found = [q for q in found if q.kind == kind]
    if speaker is not None:
        aliases = {s.name: {name_key(a) for a in s.aliases} for s in tables.speakers(store)}
        found = [q for q in found if _matches(q.speaker, speaker, aliases)]
    return found


def all_speakers(store: Store) -> list[Speaker]:
    """Canonical speakers with kind, role and every name they go by."""
    return tables.speakers(store)


@dataclass(frozen=True)
class StatementView:
    """One statement with each outlet's version side by side."""

    id: str
    speaker: str | None
    versions: tuple[tuple[str | None, Quote], ...]  # (outlet, quote)


def statement_views(store: Store, speaker: str | None = None) -> list[StatementView]:
    """Statements, optionally of one speaker, each outlet's version side by side.

    Example: statement_views(store, speaker="Peskov")
    """
    by_id = {q.id: q for q in tables.all_quotes(store)}
    outlets = records.outlets_by_article(store.conn)
    views = []
    for st in tables.statements(store):
        if speaker is not None and not (
            st.speaker
            and name_key(speaker)
            and name_key(st.speaker)[-len(name_key(speaker)) :] == name_key(speaker)
        ):
            continue
        versions = tuple((outlets.get(by_id[q].article), by_id[q]) for q in st.quotes if q in by_id)
        views.append(StatementView(st.id, st.speaker, versions))
    return views


def speaker_evidence(store: Store, name: str) -> list[tuple[str, str]]:
    """Each name joined to the canonical speaker ``name`` and why."""
    ids = {s.name: s.id for s in tables.speakers(store)}
    if name not in ids:
        return []
    return [(r["alias"], r["reason"]) for r in read_quotes.speaker_evidence(store.conn, ids[name])]
