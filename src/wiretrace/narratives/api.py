"""Library calls behind ``wiretrace narratives``: keep the watchlist, read echoes and claims."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..models import Narrative
from ..read import records
from ..store import Store
from . import tables
from .tables import load_narratives, save_narratives
from .watchlist import WatchlistError, read_watchlist
from .watchlist import narrative_id as make_id


def add(
    store: Store,
    statement: str,
    nid: str | None = None,
    examples: tuple[str, ...] = (),
    notes: str | None = None,
) -> Narrative:
    if not statement.strip():
        raise WatchlistError("a narrative needs a non-empty statement")
    narrative = Narrative(nid or make_id(statement), statement.strip(), examples, notes)
    save_narratives(store, [narrative])
    return narrative


def import_file(store: Store, path: str | Path) -> list[Narrative]:
    narratives = read_watchlist(path)
    save_narratives(store, narratives)
    return narratives


def list_narratives(store: Store) -> list[tuple[Narrative, int]]:
    """Each narrative with its number of echoes found so far."""
    counts = records.hit_counts(store.conn)
    return [(n, int(counts.get(n.id, 0))) for n in load_narratives(store)]


def hits(store: Store, narrative: str) -> list[dict[str, Any]]:
    return tables.hits(store, narrative)


def spread(store: Store, narrative: str) -> dict[str, Any]:
    return tables.spread(store, narrative)


def claims(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    return tables.claims(store, limit)


def promote(store: Store, claim_id: str, nid: str | None = None) -> Narrative:
    """Turn a discovered claim into a watched narrative; its other sentences become examples."""
    found = [c for c in tables.claims(store) if c["id"] == claim_id]
    if not found:
        raise WatchlistError(
            f"no recurring claim {claim_id!r}; list them with `wiretrace narratives claims`"
        )
    claim = found[0]
    examples = tuple(
        dict.fromkeys(m["text"] for m in claim["members"] if m["text"] != claim["text"])
    )[:5]
    notes = (
        f"promoted from {claim_id}: {claim['articles']} articles, {claim['outlets']} outlets, "
        f"{claim['speakers']} speakers"
    )
    return add(
        store, claim["text"], nid or claim_id.replace("claim-", "narrative-"), examples, notes
    )
