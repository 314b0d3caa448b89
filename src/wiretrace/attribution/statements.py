"""The ``statements`` stage: canonical speakers across the corpus, and one statement per
thing a speaker said, however many outlets quote it and however they word it.

Work is a keyed group-by: quotes are grouped by canonical speaker, and only within a group
are contents compared (sentence embeddings), so two speakers are never mixed and the cost
grows with the quotes per speaker, not with the corpus squared.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import Quote, Statement
from ..nlp.models import Embedder, NlpConfig, load_embedder
from ..pipeline import BLOB, Reporter, Stage, StageReport, pending
from ..store import Store, content_hash
from ..unionfind import components
from . import tables
from .config import AttributionConfig
from .speakers import canonical_speakers

NAME = "statements"
_CLAUSE = re.compile(r"(?<=[.;!?…])\s+|,\s+(?:as well as|and|but|while|claiming|saying)\s+")


def pieces(text: str) -> list[str]:
    """The content and its clauses: one quote may carry two statements that other outlets
    report apart ("…, as well as …")."""
    parts = [p.strip(" ,.“”\"'‘’") for p in _CLAUSE.split(text)]
    parts = [p for p in parts if len(p.split()) >= 4]
    return [text, *parts] if len(parts) > 1 else [text]


def group_statements(
    quotes: Sequence[Quote], embedder: Embedder, threshold: float
) -> list[Statement]:
    """Quotes of one canonical speaker in different articles saying the same thing."""
    by_speaker: dict[str, list[Quote]] = defaultdict(list)
    for q in quotes:
        if q.speaker:
            by_speaker[q.speaker].append(q)
    statements: list[Statement] = []
    groups = [
        (speaker, group)
        for speaker, group in sorted(by_speaker.items())
        if len({q.article for q in group}) >= 2
    ]
    # The pieces of every group go to the model in one call (full, length-sorted batches
    # instead of one small call per speaker); each group then reads its own rows.
    texts = [[p for q in group for p in pieces(q.text)] for _, group in groups]
    vectors = embedder.encode([t for ts in texts for t in ts])
    offset = 0
    for (speaker, group), ts in zip(groups, texts, strict=True):
        sims = _similarity(group, vectors[offset : offset + len(ts)])
        offset += len(ts)
        roots = components(
            len(group),
            [
                (i, j)
                for i in range(len(group))
                for j in range(i + 1, len(group))
                if group[i].article != group[j].article and sims[i, j] >= threshold
            ],
        )
        members: dict[int, list[Quote]] = defaultdict(list)
        for i, q in enumerate(group):
            members[roots[i]].append(q)
        for qs in members.values():
            if len({q.article for q in qs}) < 2:
                continue
            ids = tuple(sorted(q.id for q in qs))
            statements.append(
                Statement(id=content_hash("|".join(ids)), speaker=speaker, quotes=ids)
            )
    return statements


def _similarity(
    group: Sequence[Quote], vectors: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Best cosine between any piece of one quote and any piece of the other (``vectors``:
    the pieces of the group's quotes in order)."""
    owners = [i for i, q in enumerate(group) for _ in pieces(q.text)]
    cos = vectors @ vectors.T
    n = len(group)
    sims = np.full((n, n), -1.0, dtype=np.float32)
    owner = np.asarray(owners)
    for i in range(n):
        rows = cos[owner == i]
        for j in range(n):
            sims[i, j] = float(rows[:, owner == j].max())
    return sims


def place_metonymy(
    quotes: Sequence[Quote],
    places: frozenset[str],
    kinds: Mapping[str, str],
    embedder: Embedder,
    threshold: float,
) -> dict[str, str]:
    """Quotes credited to a place ("Moscow accused …") whose quoted words are an
    organisation's words quoted directly elsewhere, re-credited to that organisation.

    A capital or country "says" things only through some body; when the words it is said
    to have used appear in another outlet's direct quote of one organisation, that body is
    the speaker. Only place-named speakers and only quotes carrying quoted words qualify.
    """
    targets = [q for q in quotes if q.speaker in places and q.kind in ("direct", "mixed")]
    sources = [
        q
        for q in quotes
        if q.kind == "direct"
        and q.speaker
        and q.speaker not in places
        and kinds.get(q.speaker) == "org"
    ]
    if not targets or not sources:
        return {}
    both = [*targets, *sources]
    sims = _similarity(both, embedder.encode([p for q in both for p in pieces(q.text)]))
    out: dict[str, str] = {}
    for i, q in enumerate(targets):
        best = max(
            (
                (float(sims[i, len(targets) + j]), p.speaker)
                for j, p in enumerate(sources)
                if p.article != q.article
            ),
            default=(0.0, None),
        )
        if best[0] >= threshold and best[1] is not None:
            out[q.id] = best[1]
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section("attribution", AttributionConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    reporter.start("statements: speakers across articles", 1)
    found = tables.all_quotes(store)  # speakers as each article names them
    canon = canonical_speakers(tables.entity_records(store), found)
    embedder = load_embedder(nlp_cfg.embedding_model, nlp_cfg.embed_batch_size)
    mapping = dict(canon.by_quote)
    kinds = {s.name: s.kind for s in canon.speakers}
    named = [replace(q, speaker=mapping.get(q.id, q.speaker)) for q in found]
    mapping.update(place_metonymy(named, canon.places, kinds, embedder, cfg.metonymy_threshold))
    final = {q.id: mapping.get(q.id, q.speaker) for q in found}
    quotes = [replace(q, speaker=final[q.id]) for q in found]
    statements = group_statements(quotes, embedder, cfg.statement_threshold)
    with store.transaction():
        tables.set_speakers(store, canon.speakers, final)
        tables.set_statements(store, statements)
        store.mark_done(NAME, todo, key)
    reporter.advance()
    reporter.finish()
    return StageReport(
        NAME,
        processed=len(todo),
        notes=(f"{len(canon.speakers)} speakers, {len(statements)} statements across articles",),
    )


STAGE = Stage(
    name=NAME,
    requires=("documents", "articles", "article_quotes", BLOB + tables.ENTITY_BLOB),
    provides=("speakers", "quote_speakers", "statements", "statement_quotes"),
    run=run,
    doc="canonical speakers across the corpus; the same statement matched across outlets",
    config=("attribution",),
)
