"""Candidate article pairs: MinHash LSH over overlapping windows of word shingles.

Each article is cut into windows of ``window`` shingles overlapping by half; each window
gets a MinHash signature (multiply-shift permutations, vectorised over all shingles of a
batch) and ``bands`` LSH keys. Windows that share a key in any band make their articles a
candidate pair. Working on windows, not whole articles, lets a single reused paragraph in
two long articles collide. Buckets holding more than ``max_bucket`` windows are common
text (boilerplate, stock phrases) and are skipped, as passim skips frequent n-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .config import ReuseConfig
from .text import U64, mix64

I64 = npt.NDArray[np.int64]
U32 = npt.NDArray[np.uint32]


@dataclass(frozen=True)
class Windows:
    """Window signatures of a batch: ``owner[w]`` is the article index of window ``w``."""

    signatures: U32  # (n_windows, num_perm)
    owner: I64


def _seeds(cfg: ReuseConfig) -> U32:
    rng = np.random.default_rng(cfg.seed)
    return rng.integers(0, 2**32, size=cfg.num_perm, dtype=np.uint32)


def _permute(x: U32, seeds: U32) -> U32:
    """One hash per (permutation, shingle): murmur3's 32-bit finaliser of ``x ^ seed``.

    32-bit lanes on purpose: numpy multiplies uint64 without SIMD, over ten times slower.
    """
    h: U32 = np.bitwise_xor(x[None, :], seeds[:, None])
    tmp = np.empty_like(h)
    for shift, mult in ((16, 0x85EBCA6B), (13, 0xC2B2AE35), (16, 0)):
        np.right_shift(h, np.uint32(shift), out=tmp)
        np.bitwise_xor(h, tmp, out=h)
        if mult:
            np.multiply(h, np.uint32(mult), out=h)
    return h


def window_signatures(
    shingle_sets: Sequence[U64], cfg: ReuseConfig, block_shingles: int = 200_000
) -> Windows:
    """MinHash signatures of every window of every article (articles batched for numpy)."""
    seeds = _seeds(cfg)
    half = max(1, cfg.window // 2)
    sigs: list[U32] = []
    owners: list[I64] = []
    batch: list[int] = []
    size = 0

    def flush() -> None:
        if not batch:
            return
        arrays = [shingle_sets[i] for i in batch]
        flat = np.concatenate(arrays)
        # Block starts: every ``half`` shingles, restarted at each article.
        starts: list[I64] = []
        block_owner: list[I64] = []
        offset = 0
        for idx, arr in zip(batch, arrays, strict=True):
            n = arr.shape[0]
            st = np.arange(offset, offset + n, half, dtype=np.int64)
            starts.append(st)
            block_owner.append(np.full(st.shape[0], idx, dtype=np.int64))
            offset += n
        block_start = np.concatenate(starts)
        owner = np.concatenate(block_owner)
        hashed = _permute((flat & np.uint64(0xFFFFFFFF)).astype(np.uint32), seeds)
        blocks = np.minimum.reduceat(hashed, block_start, axis=1).T  # (n_blocks, P)
        # A window is two consecutive blocks of the same article; a lone block is a window.
        same = owner[1:] == owner[:-1]
        pair_sig = np.minimum(blocks[:-1], blocks[1:])[same]
        pair_owner = owner[:-1][same]
        counts = np.bincount(owner - owner.min(), minlength=0)
        lone = np.isin(owner, owner.min() + np.flatnonzero(counts == 1))
        sigs.append(np.concatenate([pair_sig, blocks[lone]]))
        owners.append(np.concatenate([pair_owner, owner[lone]]))
        batch.clear()

    for i, arr in enumerate(shingle_sets):
        if arr.shape[0] == 0:
            continue
        batch.append(i)
        size += arr.shape[0]
        if size >= block_shingles:
            flush()
            size = 0
    flush()
    if not sigs:
        return Windows(np.zeros((0, cfg.num_perm), dtype=np.uint32), np.zeros(0, dtype=np.int64))
    return Windows(np.concatenate(sigs), np.concatenate(owners))


def band_keys(signatures: U32, cfg: ReuseConfig) -> U64:
    """One 64-bit key per window and band: (n_windows, bands)."""
    used = cfg.bands * cfg.rows
    if used > signatures.shape[1]:
        raise ValueError(f"bands*rows={used} exceeds num_perm={signatures.shape[1]}")
    view = signatures[:, :used].reshape(signatures.shape[0], cfg.bands, cfg.rows)
    with np.errstate(over="ignore"):
        key = np.zeros(view.shape[:2], dtype=np.uint64)
        for r in range(cfg.rows):
            key = mix64(key * np.uint64(0x100000001B3) + view[:, :, r].astype(np.uint64))
        salt = np.arange(cfg.bands, dtype=np.uint64)[None, :] * np.uint64(0x9E3779B97F4A7C15)
        keyed: U64 = key + salt
        return keyed


def candidate_pairs(windows: Windows, cfg: ReuseConfig) -> npt.NDArray[np.int64]:
    """Distinct article index pairs ``(i, j)``, ``i < j``, sharing a band key (sorted)."""
    if windows.owner.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    keys = band_keys(windows.signatures, cfg).ravel()
    owner = np.repeat(windows.owner, cfg.bands)
    return pairs_from_keys(keys, owner, cfg.max_bucket)


def band_rows(shingle_sets: Sequence[U64], owners: I64, cfg: ReuseConfig) -> tuple[U64, I64]:
    """(band key, article) rows of a batch of articles, ``owners[i]`` the corpus index of
    ``shingle_sets[i]``: the input of ``pairs_from_keys``, which a keyed shuffle may
    spread over machines (all rows of a key must meet)."""
    windows = window_signatures(shingle_sets, cfg)
    keys = band_keys(windows.signatures, cfg).ravel()
    owner: I64 = np.repeat(np.asarray(owners, dtype=np.int64)[windows.owner], cfg.bands)
    return keys, owner


def pairs_from_keys(keys: U64, owner: I64, max_bucket: int) -> npt.NDArray[np.int64]:
    """Distinct article pairs ``(i, j)``, ``i < j``, among (band key, article) rows that share
    a key (sorted); every row of a key must be here, in any order. A keyed shuffle hands
    each partition of the keys to this, so the same code runs on one machine or many."""
    if keys.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, owner = keys[order], owner[order]
    # Runs of equal keys; one article counts once per bucket.
    bounds = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1], True])
    found: list[npt.NDArray[np.int64]] = []
    lengths = np.diff(bounds)
    # Buckets of two (the bulk) in one vectorised step; larger buckets one by one.
    lo2 = bounds[:-1][lengths == 2]
    a, b = owner[lo2], owner[lo2 + 1]
    keep = a != b
    found.append(np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1))
    for run in np.flatnonzero(lengths >= 3):
        lo, hi = bounds[run], bounds[run + 1]
        members = np.unique(owner[lo:hi])
        m = members.shape[0]
        if m < 2 or m > max_bucket:
            continue
        ii, jj = np.triu_indices(m, k=1)
        found.append(np.stack([members[ii], members[jj]], axis=1))
    pairs = np.concatenate(found)
    if pairs.shape[0] == 0:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(pairs, axis=0)
