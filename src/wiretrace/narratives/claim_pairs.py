"""Recurring-claim discovery kept up to date: only the hash buckets new articles touch.

Each article keeps its segments' bucket keys (blob ``claim-keys``) and the verified pairs
it holds the lower row of (blob ``claim-pairs``, with the partner's text hash and the hash
tables that found each pair). A later run hashes only the new or changed articles,
verifies the buckets their segments enter or leave, and keeps every other pair through the
tables that found it (``buckets.verify_tables``): the pairs, and so the claims, are the
ones a whole run finds. The run is whole when the number of hash bits changes (it follows
the corpus size, so this happens each time the corpus doubles), when the settings change,
or when an article left the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from ..spilled import SpilledRows
from ..store import Store
from .buckets import (
    BATCH_ROWS,
    PAIR_ROWS,
    RANGE_FINDINGS,
    Found,
    PairSpill,
    Verifier,
    pair_cuts,
    stale_tables,
    verify_tables,
)
from .discovery import (
    Claim,
    CorpusView,
    SegmentRows,
    SentenceGraph,
    lsh_bits,
    lsh_planes,
    segment_keys,
    wordy_segments,
)
from .matching import NarrativesConfig, Pieces
from .tables import get_state, set_state

HASH_ROWS = 16384  # fresh segment rows an engine's worker hashes in one batch
# An engine's ordered map over batches (``pipeline.LocalEngine.map``, ``RayEngine.map``).
KeysMap = Callable[
    [Callable[[Sequence[Any]], Sequence[Any]], Iterable[Sequence[Any]]], Iterator[Any]
]
KEYS_BLOB = "claim-keys"  # per article: which segments take part, their bucket keys
PAIRS_BLOB = "claim-pairs"  # per article: verified pairs whose lower row is the article's
STATE = "discovery"  # narrative_state: what the stored keys and pairs were made with


@dataclass(frozen=True)
class Update:
    """How discovery ran: ``whole`` or not, the articles hashed again, and the segment
    rows verified again (bucket members summed over the tables) of all taking part."""

    whole: bool
    fresh: int
    verified: int
    rows: int

    @property
    def note(self) -> str:
        if self.whole:
            return f"claim discovery: whole corpus, {self.rows} segments"
        return (
            f"claim discovery: incremental, {self.fresh} articles hashed, "
            f"{self.verified} bucket rows verified again of {self.rows} segments"
        )


def _pack(names: Mapping[str, list[str]], **arrays: npt.NDArray[np.generic]) -> bytes:
    """Arrays and lists of names as one record: a JSON header (lengths, dtypes, shapes,
    names), then the arrays' bytes. Read back without copies or parsing per array."""
    head = {
        "names": dict(names),
        "arrays": [[k, a.dtype.str, list(a.shape)] for k, a in arrays.items()],
    }
    header = json.dumps(head).encode("utf-8")
    body = b"".join(np.ascontiguousarray(a).tobytes() for a in arrays.values())
    return len(header).to_bytes(4, "little") + header + body


def _unpack(data: bytes) -> tuple[dict[str, list[str]], dict[str, npt.NDArray[np.generic]]]:
    try:
        return _read(data)
    except (ValueError, KeyError, TypeError):  # not a record of this format: none stored
        return {}, {}


def _read(data: bytes) -> tuple[dict[str, list[str]], dict[str, npt.NDArray[np.generic]]]:
    size = int.from_bytes(data[:4], "little")
    head = json.loads(data[4 : 4 + size])
    offset = 4 + size
    arrays: dict[str, npt.NDArray[np.generic]] = {}
    for name, dtype, shape in head["arrays"]:
        count = int(np.prod(shape)) if shape else 1
        arrays[name] = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape)
        offset += count * np.dtype(dtype).itemsize
    return head["names"], arrays


def settings(cfg: NarrativesConfig, dim: int, stage: str) -> str:
    """What keys and pairs depend on besides the corpus: the segments' stage key (their
    spans and vectors) and the hashing and verifying settings."""
    return json.dumps(
        [stage, dim, cfg.seed, cfg.lsh_tables, cfg.lsh_bits, cfg.lsh_bucket, cfg.claim_similarity]
    )


def spill_segments(pieces: Pieces) -> tuple[SegmentRows, SpilledRows]:
    """The segments of the pieces, their vectors in a file (closed by the caller) and a
    few numbers per row in memory (article, sentence, span)."""
    vectors: SpilledRows | None = None
    metas: list[npt.NDArray[np.int32]] = []
    articles: list[str] = []
    for piece in pieces():
        if vectors is None:
            vectors = SpilledRows(piece.vectors.shape[1], np.float16)
        vectors.append(piece.vectors)
        metas.append(
            np.stack(
                [piece.article + len(articles), piece.sentence, piece.start, piece.end], axis=1
            ).astype(np.int32)
        )
        articles.extend(piece.articles)
    if vectors is None:
        vectors = SpilledRows(0, np.float16)
    meta = np.concatenate(metas) if metas else np.zeros((0, 4), dtype=np.int32)
    rows = SegmentRows(
        vectors,
        meta[:, 0].copy(),
        meta[:, 1].copy(),
        meta[:, 2].copy(),
        meta[:, 3].copy(),
        tuple(articles),
    )
    return rows, vectors


def discover(
    store: Store,
    index: SegmentRows,
    corpus: CorpusView,
    cfg: NarrativesConfig,
    pending: Collection[str],
    stage: str,
    progress: Callable[[], None] | None = None,
    batch_rows: int = BATCH_ROWS,
    pair_rows: int = PAIR_ROWS,
    range_findings: int = RANGE_FINDINGS,
    verifier: Callable[..., Verifier] = Verifier,
    keys_map: KeysMap | None = None,
) -> tuple[list[Claim], Update]:
    """The recurring claims of ``index``, updating the stored keys and pairs.

    ``pending``: the articles whose segments were made (again) in this run; ``stage``:
    the key the segments were made with. Memory holds a few numbers per segment and per
    article: the vectors are read from ``index.vectors`` a batch of buckets at a time, the
    keys and the pairs go to files (``buckets``), and each article's records are written
    as its range of pairs is read back. ``batch_rows``, ``pair_rows`` and
    ``range_findings`` size those batches and ranges; they change no result.
    ``verifier``: makes the ``buckets.Verifier`` (an engine's verifies elsewhere, e.g.
    ``distributed.claims.RayVerifier``; the records and claims are the same);
    ``keys_map``: an engine's ordered map over batches (``RayEngine.map``) that hashes the
    fresh articles' segments in its workers, ``HASH_ROWS`` rows a batch.
    """
    ids = index.articles
    bounds = np.searchsorted(index.article, np.arange(len(ids) + 1)).astype(np.int64)
    dim = int(index.vectors.shape[1])
    setting = settings(cfg, dim, stage)
    state = json.loads(get_state(store, STATE) or "{}")
    whole = state.get("settings") != setting
    wordy = np.zeros(index.size, dtype=bool)
    usable = np.zeros(len(ids), dtype=bool)  # stored keys of the current segments
    fresh = np.zeros(len(ids), dtype=bool)
    for a, article in enumerate(ids):
        span = slice(int(bounds[a]), int(bounds[a + 1]))
        data = None if article in pending else store.get_blob(KEYS_BLOB, article)
        got = None if data is None else _unpack(data)[1]
        if got and len(got["wordy"]) == span.stop - span.start:
            wordy[span] = got["wordy"].astype(bool)
            usable[a] = True
            record = store.get_blob(PAIRS_BLOB, article)
            if record is None or not _unpack(record)[1]:
                fresh[a] = True  # its pairs are unknown: verify its buckets again
        else:
            text = corpus.texts[article]
            wordy[span] = wordy_segments(text, index.start[span], index.end[span])
            fresh[a] = True
    rows = np.flatnonzero(wordy)
    del wordy
    bits = lsh_bits(len(rows), cfg)
    whole = whole or bits != state.get("bits")
    tables = cfg.lsh_tables
    # The keys the fresh articles had (a bucket they left must be verified again); an
    # article without any was not in the last run's index, so it left no bucket.
    gone = SpilledRows(tables, np.int64)
    keys = SpilledRows(tables, np.int64)  # per row taking part, every table's key
    sink = PairSpill(pair_cuts(bounds, pair_rows), index.size, bounds, range_findings)
    try:
        known_before = int((~fresh).sum())
        for a in np.flatnonzero(fresh).tolist() if not whole else []:
            data = store.last_blob(KEYS_BLOB, ids[a])
            if data is None:
                continue
            old = _unpack(data)[1]
            if not old or int(old["bits"]) != bits:
                whole = True
                break
            gone.append(old["keys"].astype(np.int64).reshape(-1, tables))
            known_before += 1
        # an article that left the corpus leaves its buckets unverified: run whole
        whole = whole or known_before < int(state.get("articles", 0)) or bool(fresh.all())
        if whole:
            fresh[:] = True
        # each article's text hash by its number: 16 bytes an article, not a dict entry
        hashes = np.array([store.text_hash(article) for article in ids], dtype=np.bytes_)
        at = np.searchsorted(rows, bounds)  # each article's first row taking part
        _hash_rows(store, index, rows, at, fresh, usable, bits, cfg, keys, hashes, keys_map)
        check = verifier(
            index.vectors, index.article, rows, index.size, cfg, sink, batch_rows=batch_rows
        )
        lines = [line for _, line in lsh_planes(dim, max(len(rows), 1), cfg)]

        def column(t: int) -> npt.NDArray[np.int64]:
            out = np.empty(len(keys), dtype=np.int64)
            for lo in range(0, len(keys), batch_rows):
                out[lo : lo + batch_rows] = keys[lo : lo + batch_rows][:, t]
            return out

        def gone_column(t: int) -> npt.NDArray[np.int64]:
            return gone[0 : len(gone)][:, t] if len(gone) else np.zeros(0, np.int64)

        row_fresh = fresh[index.article[rows]]
        if whole:
            verify_tables(check, lines, column, progress=progress)
            update = Update(True, len(ids), len(rows) * tables, len(rows))
            dropped = np.zeros(len(ids), dtype=bool)
        else:
            again, verified = verify_tables(check, lines, column, row_fresh, gone_column, progress)
            dropped = _spill_kept(store, index, bounds, rows, at, fresh, hashes, keys, again, sink)
            update = Update(False, int(fresh.sum()), verified, len(rows))
        del check  # what it shared elsewhere (an engine's copies of the vectors) is let go
        graph = SentenceGraph(index)
        for first, end, found in sink.ranges():
            keep = found.tables != 0
            lo, hi = np.searchsorted(bounds[:-1], [first, end]).tolist()
            articles = range(lo, hi)
            _write_pairs(store, index, bounds, articles, found, whole, fresh | dropped, hashes)
            graph.add(found.pairs[keep], found.sims[keep])
    finally:
        gone.close()
        keys.close()
        sink.close()
    set_state(store, STATE, json.dumps({"settings": setting, "bits": bits, "articles": len(ids)}))
    return graph.claims(corpus, cfg), update


def _keys_of(
    vectors: Sequence[npt.NDArray[np.float16]],
    n: int,
    cfg: NarrativesConfig,
    planes: Sequence[tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]],
) -> list[npt.NDArray[np.int64]]:
    """Each article's segment keys (rows x tables) for a corpus of ``n`` rows taking part."""
    return [segment_keys(v, n, cfg, planes) for v in vectors]


def _hashed(
    index: SegmentRows,
    part_of: Callable[[int], npt.NDArray[np.int64]],
    articles: Sequence[int],
    n: int,
    cfg: NarrativesConfig,
    keys_map: KeysMap | None,
) -> Iterator[npt.NDArray[np.int64]]:
    """The keys of the ``articles``' rows taking part (``part_of``), an article at a time,
    in order: hashed here, or by ``keys_map`` in batches of ``HASH_ROWS`` rows."""
    dim = int(index.vectors.shape[1])
    planes = lsh_planes(dim, n, cfg)

    def vectors(a: int) -> npt.NDArray[np.float16]:
        part = part_of(a)
        return np.asarray(index.vectors[part]) if len(part) else np.zeros((0, dim), np.float16)

    if keys_map is None:
        for a in articles:
            yield segment_keys(vectors(a), n, cfg, planes)
        return

    def batches() -> Iterator[list[npt.NDArray[np.float16]]]:
        batch: list[npt.NDArray[np.float16]] = []
        held = 0
        for a in articles:
            batch.append(vectors(a))
            held += len(batch[-1])
            if held >= HASH_ROWS:
                yield batch
                batch, held = [], 0
        if batch:
            yield batch

    compute = partial(_keys_of, n=n, cfg=cfg, planes=planes)
    for done in keys_map(compute, batches()):
        for got in done:
            if not isinstance(got, np.ndarray):
                raise RuntimeError(f"hashing segments failed: {got}")
            yield got


def _hash_rows(
    store: Store,
    index: SegmentRows,
    rows: npt.NDArray[np.int64],
    at: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
    usable: npt.NDArray[np.bool_],
    bits: int,
    cfg: NarrativesConfig,
    keys: SpilledRows,
    hashes: npt.NDArray[np.bytes_],
    keys_map: KeysMap | None = None,
) -> None:
    """Every row's keys to ``keys``, in row order: stored ones, or hashed an article at a
    time (the blocks of the incremental runs, so the same keys) for the fresh articles,
    whose keys are stored."""
    bounds = np.searchsorted(index.article, np.arange(len(index.articles) + 1))

    def part_of(a: int) -> npt.NDArray[np.int64]:
        return rows[at[a] : at[a + 1]]

    need = fresh | ~usable
    hashed = _hashed(index, part_of, np.flatnonzero(need).tolist(), len(rows), cfg, keys_map)
    for a, article in enumerate(index.articles):
        part = part_of(a)
        known = None
        if need[a]:
            known = next(hashed)
        else:
            data = store.get_blob(KEYS_BLOB, article)
            got = None if data is None else _unpack(data)[1]
            if got and int(got["bits"]) == bits:
                known = got["keys"].astype(np.int64).reshape(-1, cfg.lsh_tables)
            else:  # stored with other settings: hashed here, as a fresh article
                known = next(_hashed(index, part_of, [a], len(rows), cfg, None))
        keys.append(known)
        if fresh[a]:
            mask = np.zeros(int(bounds[a + 1] - bounds[a]), dtype=bool)
            mask[part - bounds[a]] = True
            data = _pack({}, wordy=mask, keys=known, bits=np.array(bits))
            store.put_blob(KEYS_BLOB, article, hashes[a].decode(), data)


def _spill_kept(
    store: Store,
    index: SegmentRows,
    bounds: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    at: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
    hashes: npt.NDArray[np.bytes_],
    keys: SpilledRows,
    again: Sequence[npt.NDArray[np.int64]],
    sink: PairSpill,
) -> npt.NDArray[np.bool_]:
    """The stored pairs between articles that did not change, in today's row numbers, to
    ``sink`` (standing through the tables whose buckets were not verified again); which
    articles dropped some (a partner changed or left)."""
    ids = index.articles
    number = {article: a for a, article in enumerate(ids)}
    dropped = np.zeros(len(ids), dtype=bool)
    for a in np.flatnonzero(~fresh).tolist():
        record = store.get_blob(PAIRS_BLOB, ids[a])
        names, got = _unpack(record) if record is not None else ({}, {})
        if not got:
            continue
        partners = [
            q if (q := number.get(p, -1)) >= 0 and hashes[q].decode() == h else -1
            for p, h in zip(names["ids"], names["hashes"], strict=True)
        ]
        valid = np.array([p >= 0 and not fresh[p] for p in partners], dtype=bool)
        lookup = np.array(partners, dtype=np.int64)
        partner = got["partner"].astype(np.int64)
        ok = valid[partner]
        dropped[a] = not ok.all()
        own = got["own"].astype(np.int64)[ok]
        i = bounds[a] + own
        j = bounds[lookup[partner[ok]]] + got["other"].astype(np.int64)[ok]
        stored = got["tables"].astype(np.int64)[ok]
        own_keys = keys[np.searchsorted(rows, i)]
        standing = stored & ~stale_tables(own_keys, again)
        sink.add(i, j, np.zeros(len(i), np.int64), got["sims"][ok], standing, stored)
    return dropped


def _write_pairs(
    store: Store,
    index: SegmentRows,
    bounds: npt.NDArray[np.int64],
    articles: range,
    found: Found,
    whole: bool,
    changed: npt.NDArray[np.bool_],
    hashes: npt.NDArray[np.bytes_],
) -> None:
    """The pair lists of the ``articles`` (those of one range of lower rows, its pairs
    ``found``) that changed: every one on a whole run; else the ``changed`` ones (fresh,
    or a partner changed) and those with a pair found, lost, or found by other tables."""
    ids = index.articles
    here = found.tables != 0
    lower = index.article[found.pairs[:, 0]] if len(found.pairs) else np.zeros(0, np.int32)
    diff = (here & (found.stored != found.tables)) | (~here & (found.stored >= 0))
    touched = set(lower[diff].tolist())
    for a in articles:
        if not (whole or changed[a] or a in touched):
            continue
        lo, hi = np.searchsorted(lower, [a, a + 1])
        keep = here[lo:hi]
        pairs = found.pairs[lo:hi][keep]
        partner_article = index.article[pairs[:, 1]].astype(np.int64)
        names, partner = np.unique(partner_article, return_inverse=True)
        data = _pack(
            {"ids": [ids[int(p)] for p in names], "hashes": [hashes[p].decode() for p in names]},
            own=(pairs[:, 0] - bounds[a]).astype(np.int32),
            partner=partner.astype(np.int32).reshape(-1),
            other=(pairs[:, 1] - bounds[partner_article]).astype(np.int32),
            sims=found.sims[lo:hi][keep],
            tables=found.tables[lo:hi][keep],
        )
        store.put_blob(PAIRS_BLOB, ids[a], hashes[a].decode(), data)
