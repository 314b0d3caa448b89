"""The ``stories`` stage: new or changed articles join a story or start one.

Only pending articles are placed; stories they leave (changed text) are rebuilt from
their remaining members' stored features. Nothing else is re-clustered. Every story that
changed is split again into its threads (sub-stories); other stories keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..config import Config
from ..nlp.models import NlpConfig, load_embedder, load_spacy
from ..nlp.stage import load_doc, load_embeddings
from ..pipeline import Reporter, Stage, StageReport
from ..store import Store
from . import tables
from .cluster import (
    ArticleFeatures,
    StoriesConfig,
    StoryState,
    article_vector,
    cluster,
    day_number,
    top_entities,
)
from .substories import split_story, substory_id
from .titles import story_title

NAME = "stories"


def features(
    store: Store, ids: Sequence[str], cfg: StoriesConfig, nlp_cfg: NlpConfig
) -> list[ArticleFeatures]:
    nlp = load_spacy(nlp_cfg.spacy_model)
    embedder = load_embedder(nlp_cfg.embedding_model, nlp_cfg.embed_batch_size)
    articles = [store.get_article(a) for a in ids]
    titled = [a for a in articles if a.title]
    title_vectors = dict(
        zip([a.id for a in titled], embedder.encode([a.title or "" for a in titled]), strict=True)
    )
    out = []
    for a in articles:
        vectors = load_embeddings(store, a.id)
        doc = load_doc(store, a.id, nlp)
        if vectors is None or doc is None:
            continue
        if not len(vectors) and a.id not in title_vectors:
            continue
        mentions = [e.text for e in doc.ents if e.label_ in cfg.entity_labels]
        out.append(
            ArticleFeatures(
                a.id,
                article_vector(vectors, title_vectors.get(a.id), cfg),
                top_entities(mentions, cfg.max_entities),
                day_number(a.published),
            )
        )
    return out


def _rebuild(store: Store, story_id: str, cfg: StoriesConfig) -> None:
    """A story some articles left: recompute its state from the members that remain."""
    remaining = tables.load_features(store, tables.members(store, story_id))
    if not remaining:
        tables.delete_story(store, story_id)
        return
    state = StoryState(story_id, 0, np.zeros_like(remaining[0].vector))
    for f in remaining:
        state.add(f, cfg.story_entities)
    tables.write_story(store, state, story_title(store, state, remaining), [])


def _write_threads(store: Store, story_id: str, cfg: StoriesConfig) -> None:
    """Split a changed story into its threads (sub-stories), each with a headline."""
    members = tables.load_features(store, tables.members(store, story_id))
    threads = []
    for thread in split_story(members, cfg):
        state = StoryState(substory_id(thread), 0, np.zeros_like(thread[0].vector))
        for f in thread:
            state.add(f, cfg.story_entities)
        threads.append((state.id, story_title(store, state, thread), [f.id for f in thread]))
    tables.write_substories(store, story_id, threads)


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, StoriesConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    pending = store.pending(NAME)
    if not pending:
        return StageReport(NAME)
    reporter.start("stories: cluster", len(pending))
    left = set(tables.story_of(store, pending).values())
    tables.detach(store, pending)
    for story_id in sorted(left):
        _rebuild(store, story_id, cfg)
    feats = features(store, pending, cfg, nlp_cfg)
    for f in feats:
        store.put_blob(tables.FEATURE_BLOB, f.id, store.text_hash(f.id), tables.pack_features(f))
    assignment, touched = cluster(feats, tables.load_states(store), cfg)
    by_story: dict[str, list[str]] = {}
    for article, story in assignment.items():
        by_story.setdefault(story, []).append(article)
    for state in touched:
        member_feats = tables.load_features(store, tables.members(store, state.id))
        member_feats += [f for f in feats if assignment.get(f.id) == state.id]
        tables.write_story(
            store, state, story_title(store, state, member_feats), by_story.get(state.id, [])
        )
    changed = {s.id for s in touched} | {s for s in left if tables.members(store, s)}
    for story_id in sorted(changed):  # cleared first: a thread id may move between stories
        tables.write_substories(store, story_id, [])
    for story_id in sorted(changed):
        _write_threads(store, story_id, cfg)
    store.mark_done(NAME, pending)
    reporter.advance(len(pending))
    reporter.finish()
    new = sum(1 for s in touched if s.id not in left and s.n == len(by_story.get(s.id, [])))
    return StageReport(
        NAME,
        processed=len(pending),
        notes=(f"{len(touched)} stories touched, {new} new",),
    )


STAGE = Stage(
    name=NAME,
    requires=("sentences", "parses", "sentence_embeddings"),
    provides=("stories", "substories"),
    run=run,
    doc="incremental clustering of articles into stories, and of each story into threads",
)
