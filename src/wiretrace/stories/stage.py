"""The ``stories`` stage: new or changed articles join a story or start one.

Only pending articles are placed; stories they leave (changed text) are rebuilt from
their remaining members' stored features. Nothing else is re-clustered. Every story that
changed is split again into its threads (sub-stories); other stories keep theirs.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence, Set
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import StoryEdit
from ..nlp.models import NlpConfig, load_spacy, nlp_embedder
from ..nlp.stage import DOC_BLOB, EMBED_BLOB
from ..pipeline import (
    BLOB,
    Failed,
    Reporter,
    Skips,
    Stage,
    StageReport,
    batch_size,
    batches,
    current_engine,
    pending,
)
from ..read.edits import story_edits
from ..store import Store
from ..vectors import unpack_vectors
from . import tables
from .cluster import (
    ArticleFeatures,
    DayOf,
    Page,
    ReadStates,
    Stored,
    StoriesConfig,
    StoryState,
    article_vector,
    cluster_in_blocks,
    cluster_pages,
    day_number,
    read_once,
    top_entities,
)
from .substories import split_story, substory_id
from .titles import story_title

if TYPE_CHECKING:
    from spacy.language import Language

NAME = "stories"
FEATURE_BATCH = 256  # articles whose features (title vectors: one model call) are made together


# What an article's features are computed from: id, title, publication date, and its
# stored sentence embeddings and parse (None when the nlp stage is behind).
FeatureInput = tuple[str, str | None, str | None, bytes | None, bytes | None]


def feature_inputs(store: Store, ids: Sequence[str]) -> list[FeatureInput]:
    """The stored inputs of ``feature_batch`` (read where the store is)."""
    return [
        (
            a.id,
            a.title,
            a.published,
            store.get_blob(EMBED_BLOB, a.id),
            store.get_blob(DOC_BLOB, a.id),
        )
        for a in store.iter_articles(ids)
    ]


def feature_batch(
    cfg: StoriesConfig, nlp_cfg: NlpConfig, items: Sequence[FeatureInput]
) -> list[ArticleFeatures | None]:
    """The clustering features of a batch of articles (None: no parse or vectors yet, or
    neither sentences nor a title); pure, so any engine may run it. The titles are
    embedded in one model call."""
    nlp = load_spacy(nlp_cfg.spacy_model)
    titled = [(a, title) for a, title, *_ in items if title]
    encoded = nlp_embedder(nlp_cfg).encode([title for _, title in titled])
    title_vectors = dict(zip([a for a, _ in titled], encoded, strict=True))
    return [article_features(cfg, nlp, item, title_vectors.get(item[0])) for item in items]


def article_features(
    cfg: StoriesConfig,
    nlp: Language,
    item: FeatureInput,
    title_vector: npt.NDArray[np.float32] | None,
) -> ArticleFeatures | None:
    """One article's features (None: no parse or vectors yet, or neither sentences nor a
    title)."""
    from spacy.tokens import Doc

    article_id, _, published, vector_blob, doc_blob = item
    if vector_blob is None or doc_blob is None:
        return None
    vectors = unpack_vectors(vector_blob)
    if not len(vectors) and title_vector is None:
        return None
    doc = Doc(nlp.vocab).from_bytes(doc_blob)
    mentions = [e.text for e in doc.ents if e.label_ in cfg.entity_labels]
    return ArticleFeatures(
        article_id,
        article_vector(vectors, title_vector, cfg),
        top_entities(mentions, cfg.max_entities),
        day_number(published),
    )


def features(
    store: Store,
    ids: Sequence[str],
    cfg: StoriesConfig,
    nlp_cfg: NlpConfig,
    skips: Skips,
    progress: Callable[[int], object] | None = None,
) -> Iterator[ArticleFeatures]:
    """The clustering features of the articles that have their parse and vectors, computed
    by the run's engine (Ray: in its workers) a batch at a time; an article whose features
    cannot be computed is left out and recorded in ``skips``. ``progress`` is told of each
    batch's articles."""
    chunks = list(batches(ids, batch_size(FEATURE_BATCH)))
    loaded = (feature_inputs(store, chunk) for chunk in chunks)
    compute = functools.partial(feature_batch, cfg, nlp_cfg)
    for chunk, found in zip(chunks, current_engine().map(compute, loaded), strict=True):
        for article_id, f in zip(chunk, found, strict=True):
            if isinstance(f, Failed):
                skips.failed.setdefault(article_id, f.message)
            elif f is not None:
                yield f
        if progress is not None:
            progress(len(chunk))


def _state(story_id: str, members: Sequence[ArticleFeatures], cfg: StoriesConfig) -> StoryState:
    state = StoryState(story_id, 0, np.zeros_like(members[0].vector))
    for f in members:
        state.add(f, cfg.story_entities)
    return state


def _rebuild(store: Store, story_id: str, cfg: StoriesConfig) -> None:
    """A story some articles left: recompute its state and threads from the members that
    remain (none: the story is gone)."""
    remaining = tables.load_features(store, tables.members(store, story_id))
    if not remaining:
        tables.delete_story(store, story_id)
        return
    _write(store, _state(story_id, remaining, cfg), remaining, [], cfg)


def _write(
    store: Store,
    state: StoryState,
    members: Sequence[ArticleFeatures],
    added: Sequence[str],
    cfg: StoriesConfig,
) -> None:
    """Write a story (``added``: its new articles) and its threads, from one read of its
    members' features. A thread is named after its oldest article, so the threads of every
    story an article left are cleared before any is written."""
    tables.write_story(store, state, story_title(store, state, members), added)
    tables.write_substories(store, state.id, _threads(store, members, cfg))


def _threads(
    store: Store, members: Sequence[ArticleFeatures], cfg: StoriesConfig
) -> list[tuple[str, str, list[str]]]:
    """A story's threads (sub-stories): id, headline and articles of each."""
    out = []
    for thread in split_story(members, cfg):
        state = _state(substory_id(thread), thread, cfg)
        out.append((state.id, story_title(store, state, thread), [f.id for f in thread]))
    return out


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    cfg = config.section(NAME, StoriesConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    skips = Skips(NAME)
    with store.transaction():  # one update: every story change and the bookkeeping
        touched, created = _place(store, todo, key, cfg, nlp_cfg, skips, reporter)
        errors = skips.record(store, todo)
    reporter.finish()
    return StageReport(
        NAME,
        processed=len(todo),
        errors=errors,
        notes=(f"{touched} stories touched, {created} new",),
    )


def pins(edits: Sequence[StoryEdit]) -> dict[str, str]:
    """Each edited article and the article it must share a story with, the latest edit of
    an article winning; an article pinned to itself heads a story of its own (a split)."""
    out: dict[str, str] = {}
    for e in edits:
        out[e.article] = e.target
    return out


def _root(article: str, pinned: dict[str, str]) -> str:
    """Follow pins to the article that decides the story (the least of a cycle)."""
    seen: list[str] = []
    while article in pinned and pinned[article] != article and article not in seen:
        seen.append(article)
        article = pinned[article]
    return min(seen[seen.index(article) :]) if article in seen else article


def apply_edits(store: Store, cfg: StoriesConfig) -> dict[str, list[ArticleFeatures]]:
    """Hold the user's corrections (``story_edits``): every edited article goes to the
    story of the article it is pinned to (or to its split's own story); the members of
    every story this changed (an emptied story is deleted and maps to no members).

    Only what the final pins say matters, so re-applying after any re-analysis gives the
    same stories whatever clustering did to the pinned articles meanwhile.
    """
    pinned = pins(story_edits(store.conn))
    if not pinned:
        return {}
    roots = {a: _root(a, pinned) for a in pinned}
    current = tables.story_of(store, sorted(set(pinned) | set(roots.values())))
    desired: dict[str, list[str]] = {}
    for article, root in sorted(roots.items()):
        if article not in current:
            continue  # gone from the corpus
        if pinned.get(root) == root:
            into: str | None = f"story-edit-{root[:12]}"
        else:
            into = current.get(root)
        if into is not None and current[article] != into:
            desired.setdefault(into, []).append(article)
    changed: set[str] = set()
    for into, moving in sorted(desired.items()):
        changed.update(current[a] for a in moving)
        changed.add(into)
        tables.detach(store, moving)
        feats = tables.load_features(store, [*tables.members(store, into), *moving])
        state = _state(into, feats, cfg)
        tables.write_story(store, state, story_title(store, state, feats), moving)
    out: dict[str, list[ArticleFeatures]] = {}
    for story_id in sorted(changed):
        remaining = tables.load_features(store, tables.members(store, story_id))
        if not remaining:
            tables.delete_story(store, story_id)
            out[story_id] = []
            continue
        state = _state(story_id, remaining, cfg)
        tables.write_story(store, state, story_title(store, state, remaining), [])
        out[story_id] = remaining
    return out


def apply_now(store: Store, config: Config) -> None:
    """Apply the user's corrections at once, with the threads of the stories they changed
    (``read.edits`` records a correction and calls this in the same transaction)."""
    with store.transaction():
        _edit(store, config.section(NAME, StoriesConfig))


def _edit(store: Store, cfg: StoriesConfig) -> None:
    """Apply the user's corrections and split the stories they changed again (every one's
    threads cleared first: a thread id moves with the article it is named after)."""
    edited = apply_edits(store, cfg)
    for story_id in edited:
        tables.write_substories(store, story_id, [])
    for story_id, members in edited.items():
        if members:
            tables.write_substories(store, story_id, _threads(store, members, cfg))


def _place(
    store: Store,
    pending: list[str],
    key: str,
    cfg: StoriesConfig,
    nlp_cfg: NlpConfig,
    skips: Skips,
    reporter: Reporter,
) -> tuple[int, int]:
    """Detach the pending articles, place them, rebuild what changed; (touched, created).

    ``reporter`` follows each step (features, clustering and writing) item by item, so a
    long run shows its rate and time left."""
    left = set(tables.story_of(store, pending).values())
    tables.detach(store, pending)
    for story_id in sorted(left):  # cleared first: a thread id may move between stories
        tables.write_substories(store, story_id, [])
    for story_id in sorted(left):
        _rebuild(store, story_id, cfg)
    reporter.start("stories: article features", len(pending))
    ids: list[str] = []
    days = array("q")
    at_hand: list[ArticleFeatures] | None = []  # kept while they fit in one page
    # A batch of articles at a time: their parses are not all held at once, and the
    # features go to the store, where clustering pages them back in.
    for f in features(store, pending, cfg, nlp_cfg, skips, reporter.advance):
        store.put_blob(tables.FEATURE_BLOB, f.id, store.text_hash(f.id), tables.pack_features(f))
        ids.append(f.id)
        days.append(UNDATED if f.day is None else f.day)
        if at_hand is not None and len(at_hand) == PAGE:
            at_hand = None  # more than a page: read back a page at a time
        if at_hand is not None:
            at_hand.append(f)
    touched, created = place_stored(
        store, ids, np.frombuffer(days, dtype=np.int64), cfg, reporter, left, at_hand or ()
    )
    store.mark_done(NAME, pending, key)
    return touched, created


PAGE = 2000  # articles whose features clustering holds at once (~3 MB at 384 dimensions)
UNDATED = np.iinfo(np.int64).max  # the day of an undated article: last, as ``cluster`` has it


def place_stored(
    store: Store,
    ids: Sequence[str],
    days: npt.NDArray[np.int64],
    cfg: StoriesConfig,
    reporter: Reporter,
    left: Set[str] = frozenset(),
    at_hand: Iterable[ArticleFeatures] = (),
    page: int = PAGE,
) -> tuple[int, int]:
    """Place articles whose features are stored into stories; (touched, created).

    ``ids`` in the order they are pending, ``days`` theirs (``UNDATED`` for none). The
    features are read back ``page`` articles at a time in the order ``cluster`` takes them
    (``cluster_pages``), and each story is written, with its threads, as soon as no later
    article can change it, so what is held is a page of features and the stories still
    open, whatever the corpus size; the stories are ``cluster``'s on the whole corpus. Then
    the user's corrections. An engine that clusters time blocks elsewhere (Ray) is given
    blocks of ids and days and reads each block's features and stored stories as it sends
    them. ``left``: stories pending articles left (not counted as created). ``at_hand``:
    features the caller holds (at most a page: those just computed), used instead of
    reading them back, as the page last read is: a story written while its new articles'
    page is held reads none of their features again."""
    order = np.lexsort((_ranks(ids), days))
    undated = bool(len(days)) and int(days.max()) == UNDATED
    size = max(1, len(ids) if cfg.second_chance else page)
    where: dict[str, int] = {}  # the current page's articles -> their place in ``ids``
    held = {f.id: f for f in at_hand}  # the only features held: a page at most

    def load(articles: Sequence[str]) -> list[ArticleFeatures]:
        """``tables.load_features``, the held ones not read again."""
        read = {
            f.id: f for f in tables.load_features(store, [a for a in articles if a not in held])
        }
        got = (held[a] if a in held else read.get(a) for a in articles)
        return [f for f in got if f is not None]

    def pages() -> Iterator[list[ArticleFeatures]]:
        for lo in range(0, len(order), size):
            chunk = order[lo : lo + size].tolist()
            where.clear()
            where.update((ids[k], k) for k in chunk)
            features = load([ids[k] for k in chunk])
            held.clear()
            held.update((f.id, f) for f in features)
            yield features

    reporter.start("stories: cluster and write", len(ids))
    keyed = getattr(current_engine(), "cluster_blocks", None)
    if keyed is None or cfg.second_chance or tables.any_undated(store):
        # Here; also on Ray when the corpus is one block (a second chance, an undated
        # story): the same pages in the same order.
        done: Iterable[Page] = cluster_pages(
            pages(), read_once(_read(store)), cfg, keep_closed=undated, progress=reporter.advance
        )
        advance = None
    else:  # an engine that clusters blocks no story bridges apart (Ray): blocks of ids
        # and days, each block's features and stored stories read as it is sent
        dated = [
            DayOf(a, None if d == UNDATED else d) for a, d in zip(ids, days.tolist(), strict=True)
        ]
        where.update((a, k) for k, a in enumerate(ids))
        run = functools.partial(keyed, cfg=cfg, load=lambda arts: load([a.id for a in arts]))
        stored = Stored(_read(store), lambda: tables.state_spans(store), lambda: False)
        assignment, states = cluster_in_blocks(
            dated, stored, cfg, run, lambda arts: load([a.id for a in arts]), page
        )
        done = [Page(assignment, states, states)]
        advance = reporter.advance  # articles counted as their stories are written
    joined: dict[str, list[int]] = {}  # open stories -> their new articles' places in ``ids``
    touched = created = 0
    for outcome in done:
        for article, story_id in outcome.placed.items():
            joined.setdefault(story_id, []).append(where[article])
        for state in outcome.final:
            new = [ids[k] for k in sorted(joined.pop(state.id, []))]
            members = load(tables.members(store, state.id)) + load(new)
            _write(store, state, members, new, cfg)
            touched += 1
            created += state.id not in left and state.n == len(new)
            if advance is not None:
                advance(len(new))
    _edit(store, cfg)
    return touched, created


def _read(store: Store) -> ReadStates:
    """The stored stories by date (``tables.load_states``), each ranked by its id."""

    def read(
        after: int | None, upto: int | None, live: int | None
    ) -> list[tuple[tuple[int, str], StoryState]]:
        return [((0, s.id), s) for s in tables.load_states(store, after, upto, live)]

    return read


def _ranks(ids: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each id's rank in sorted order (ties of day broken by id, as ``cluster`` does)."""
    ranks = np.empty(len(ids), dtype=np.int64)
    ranks[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return ranks


STAGE = Stage(
    name=NAME,
    requires=(
        "documents",
        "articles",
        "removed",
        "sentences",
        BLOB + DOC_BLOB,
        BLOB + EMBED_BLOB,
        "story_edits",  # the user's corrections (``read.edits`` writes them), applied here
    ),
    provides=(
        "stories",
        "story_articles",
        "story_state",
        "substories",
        "substory_articles",
        BLOB + tables.FEATURE_BLOB,
    ),
    run=run,
    config=("stories",),
    version=2,  # 2: article vectors' parts at unit length by vectors.unit (ulps move)
    doc="incremental clustering of articles into stories, and of each story into threads",
)
