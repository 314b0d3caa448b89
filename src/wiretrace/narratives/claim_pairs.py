"""Recurring-claim discovery kept up to date: only the hash buckets new articles touch.

Each article keeps its segments' bucket keys (blob ``claim-keys``) and the verified pairs
it holds the lower row of (blob ``claim-pairs``, with the partner's text hash and the hash
tables that found each pair). A later run hashes only the new or changed articles,
verifies the buckets their segments enter or leave, and keeps every other pair through the
tables that found it (``discovery.updated_pairs``): the pairs, and so the claims, are the
ones a whole run finds. The run is whole when the number of hash bits changes (it follows
the corpus size, so this happens each time the corpus doubles), when the settings change,
or when an article left the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..store import Store
from .discovery import (
    Claim,
    CorpusView,
    Pairs,
    bucket_pairs,
    claims_of_pairs,
    lsh_bits,
    merged_pairs,
    segment_keys,
    updated_pairs,
    wordy_segments,
)
from .matching import NarrativesConfig, SegmentIndex
from .tables import get_state, set_state

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


def discover(
    store: Store,
    index: SegmentIndex,
    corpus: CorpusView,
    cfg: NarrativesConfig,
    pending: Collection[str],
    stage: str,
    progress: Callable[[], None] | None = None,
) -> tuple[list[Claim], Update]:
    """The recurring claims of ``index``, updating the stored keys and pairs.

    ``pending``: the articles whose segments were made (again) in this run; ``stage``:
    the key the segments were made with.
    """
    ids = index.articles
    bounds = np.searchsorted(index.article, np.arange(len(ids) + 1))
    setting = settings(cfg, index.vectors.shape[1], stage)
    state = json.loads(get_state(store, STATE) or "{}")
    whole = state.get("settings") != setting
    wordy: list[npt.NDArray[np.bool_]] = []
    stored: list[tuple[int, npt.NDArray[np.int64]] | None] = []  # (bits, keys)
    fresh = np.zeros(len(ids), dtype=bool)
    recorded: dict[int, tuple[dict[str, list[str]], dict[str, npt.NDArray[np.generic]]]] = {}
    for a, article in enumerate(ids):
        size = int(bounds[a + 1] - bounds[a])
        data = None if article in pending else store.get_blob(KEYS_BLOB, article)
        got = None if data is None else _unpack(data)[1]
        if got and len(got["wordy"]) == size:
            wordy.append(got["wordy"].astype(bool))
            stored.append((int(got["bits"]), got["keys"].astype(np.int64)))
            record = store.get_blob(PAIRS_BLOB, article)
            listed = None if record is None else _unpack(record)
            if listed is None or not listed[1]:
                fresh[a] = True  # its pairs are unknown: verify its buckets again
            else:
                recorded[a] = listed
        else:
            span = slice(int(bounds[a]), int(bounds[a + 1]))
            text = corpus.texts[article]
            wordy.append(wordy_segments(text, index.start[span], index.end[span]))
            stored.append(None)
            fresh[a] = True
    mask = np.concatenate(wordy) if wordy else np.zeros(0, dtype=bool)
    rows = np.flatnonzero(mask)
    bits = lsh_bits(len(rows), cfg)
    whole = whole or bits != state.get("bits")
    # The keys the fresh articles had (a bucket they left must be verified again); an
    # article without any was not in the last run's index, so it left no bucket.
    gone: list[npt.NDArray[np.int64]] = []
    known_before = int((~fresh).sum())
    for a in np.flatnonzero(fresh).tolist() if not whole else []:
        data = store.last_blob(KEYS_BLOB, ids[a])
        if data is None:
            continue
        old = _unpack(data)[1]
        if not old or int(old["bits"]) != bits:
            whole = True
            break
        gone.append(old["keys"].astype(np.int64))
        known_before += 1
    # an article that left the corpus leaves its buckets unverified: run whole
    whole = whole or known_before < int(state.get("articles", 0)) or bool(fresh.all())
    if whole:
        fresh[:] = True
    owner_of_row = index.article[rows]
    keys = np.zeros((len(rows), cfg.lsh_tables), dtype=np.int64)
    row_fresh = fresh[owner_of_row]
    for a in range(len(ids)):
        at = slice(*np.searchsorted(owner_of_row, [a, a + 1]))
        known = stored[a]
        if fresh[a] or known is None or known[0] != bits:
            part = rows[at]
            keys[at] = segment_keys(index.vectors[part], len(rows), cfg) if len(part) else 0
        else:
            keys[at] = known[1]
    hashes = {article: store.text_hash(article) for article in ids}
    rewrite = np.ones(len(ids), dtype=bool)  # articles whose pair list changed
    if whole:
        found = bucket_pairs(index.vectors, index.article, rows, keys, cfg, progress=progress)
        update = Update(True, len(ids), len(rows) * cfg.lsh_tables, len(rows))
    else:
        kept, dropped = _kept_pairs(index, bounds, fresh, hashes, recorded)
        old_keys = np.concatenate(gone) if gone else np.zeros((0, cfg.lsh_tables), dtype=np.int64)
        found, verified = updated_pairs(
            index.vectors,
            index.article,
            rows,
            keys,
            row_fresh,
            old_keys,
            kept,
            cfg,
            progress=progress,
        )
        update = Update(False, int(fresh.sum()), verified, len(rows))
        rewrite = fresh | dropped
        rewrite[_owners_of_changes(kept, found, index)] = True
    _write(store, index, bounds, mask, keys, rows, bits, found, fresh, rewrite, hashes)
    set_state(store, STATE, json.dumps({"settings": setting, "bits": bits, "articles": len(ids)}))
    claims = claims_of_pairs(index, found.pairs, found.sims, corpus, cfg)
    return claims, update


def _kept_pairs(
    index: SegmentIndex,
    bounds: npt.NDArray[np.int64],
    fresh: npt.NDArray[np.bool_],
    hashes: Mapping[str, str],
    recorded: Mapping[int, tuple[dict[str, list[str]], dict[str, npt.NDArray[np.generic]]]],
) -> tuple[Pairs, npt.NDArray[np.bool_]]:
    """The stored pairs between articles that did not change, in today's row numbers, and
    which articles dropped some (a partner changed or left)."""
    ids = index.articles
    number = {article: a for a, article in enumerate(ids)}
    found: list[Pairs] = []
    dropped = np.zeros(len(ids), dtype=bool)
    for a in np.flatnonzero(~fresh).tolist():
        names, got = recorded[a]
        partners = [
            number.get(p, -1) if hashes.get(p) == h else -1
            for p, h in zip(names["ids"], names["hashes"], strict=True)
        ]
        valid = np.array([p >= 0 and not fresh[p] for p in partners], dtype=bool)
        lookup = np.array(partners, dtype=np.int64)
        partner = got["partner"].astype(np.int64)
        ok = valid[partner]
        dropped[a] = not ok.all()
        i = bounds[a] + got["own"].astype(np.int64)[ok]
        j = bounds[lookup[partner[ok]]] + got["other"].astype(np.int64)[ok]
        found.append(
            Pairs(np.stack([i, j], axis=1), got["sims"][ok], got["tables"].astype(np.int64)[ok])
        )
    if not found:
        return Pairs.empty(), dropped
    return merged_pairs(found, index.size), dropped


def _write(
    store: Store,
    index: SegmentIndex,
    bounds: npt.NDArray[np.int64],
    mask: npt.NDArray[np.bool_],
    keys: npt.NDArray[np.int64],
    rows: npt.NDArray[np.int64],
    bits: int,
    found: Pairs,
    fresh: npt.NDArray[np.bool_],
    rewrite: npt.NDArray[np.bool_],
    hashes: Mapping[str, str],
) -> None:
    """Keys of the fresh articles; the pair lists of the articles in ``rewrite``."""
    ids = index.articles
    owner_of_row = index.article[rows]
    lower = index.article[found.pairs[:, 0]] if len(found.pairs) else np.zeros(0, np.int32)
    by_owner = np.searchsorted(lower, np.arange(len(ids) + 1))
    for a, article in enumerate(ids):
        text_hash = hashes[article]
        start, end = int(bounds[a]), int(bounds[a + 1])
        if fresh[a]:
            at = slice(*np.searchsorted(owner_of_row, [a, a + 1]))
            data = _pack({}, wordy=mask[start:end], keys=keys[at], bits=np.array(bits))
            store.put_blob(KEYS_BLOB, article, text_hash, data)
        if not rewrite[a]:
            continue
        lo, hi = int(by_owner[a]), int(by_owner[a + 1])
        pairs = found.pairs[lo:hi]
        partner_article = index.article[pairs[:, 1]].astype(np.int64)
        names, partner = np.unique(partner_article, return_inverse=True)
        partners = [ids[int(p)] for p in names]
        data = _pack(
            {"ids": partners, "hashes": [hashes[p] for p in partners]},
            own=(pairs[:, 0] - start).astype(np.int32),
            partner=partner.astype(np.int32).reshape(-1),
            other=(pairs[:, 1] - bounds[partner_article]).astype(np.int32),
            sims=found.sims[lo:hi],
            tables=found.tables[lo:hi],
        )
        store.put_blob(PAIRS_BLOB, article, text_hash, data)


def _owners_of_changes(kept: Pairs, found: Pairs, index: SegmentIndex) -> npt.NDArray[np.int32]:
    """The articles (of the lower row) of pairs found, lost, or found by other tables."""
    n = index.size
    before = kept.pairs[:, 0] * n + kept.pairs[:, 1]
    after = found.pairs[:, 0] * n + found.pairs[:, 1]
    at = np.minimum(np.searchsorted(before, after), max(len(before) - 1, 0))
    same = np.zeros(len(after), dtype=bool)
    if len(before):
        same = (before[at] == after) & (kept.tables[at] == found.tables)
    lost = ~np.isin(before, after)
    return np.concatenate(
        [index.article[found.pairs[~same, 0]], index.article[kept.pairs[lost, 0]]]
    )
