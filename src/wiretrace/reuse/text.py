"""Word tokens with offsets, stable token hashes, shingle hashes and quotation regions."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..quotemarks import find_segments

U64 = npt.NDArray[np.uint64]
_WORD = re.compile(r"\w+")
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True)
class Tokens:
    """Lower-cased word tokens of one text: stable 64-bit hashes and character offsets."""

    hashes: U64
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.hashes.shape[0])


def tokenize(text: str, vocab: dict[str, int] | None = None) -> Tokens:
    """Tokens of ``text``; ``vocab`` memoises token hashes across a batch (crc32 is stable)."""
    memo = {} if vocab is None else vocab
    spans = [m.span() for m in _WORD.finditer(text)]
    lower = text.lower()
    if len(lower) == len(text):
        words = _WORD.findall(lower)
    else:  # a few characters change length when lower-cased: slice token by token
        words = [text[s:e].lower() for s, e in spans]
    get = memo.get
    values = [get(w) for w in words]
    for k, v in enumerate(values):
        if v is None:
            w = words[k]
            v = zlib.crc32(w.encode("utf-8")) | (len(w) << 32)
            memo[w] = v
            values[k] = v
    offsets = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
    return Tokens(
        np.asarray(values, dtype=np.uint64),
        np.ascontiguousarray(offsets[:, 0]),
        np.ascontiguousarray(offsets[:, 1]),
    )


def mix64(x: U64) -> U64:
    """splitmix64 finaliser: spreads structured integers over all 64 bits."""
    with np.errstate(over="ignore"):
        x = x ^ (x >> np.uint64(30))
        x = x * np.uint64(0xBF58476D1CE4E5B9)
        x = x ^ (x >> np.uint64(27))
        x = x * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def shingles(hashes: U64, k: int) -> U64:
    """Hash of each run of ``k`` consecutive tokens (empty when fewer than ``k``)."""
    n = hashes.shape[0] - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64)
    with np.errstate(over="ignore"):
        acc = hashes[:n].copy()
        for m in range(1, k):
            acc = acc * _MIX + hashes[m : m + n]
    return mix64(acc)


def quote_mask(text: str) -> npt.NDArray[np.bool_]:
    """True for characters inside quotation marks, the marks included.

    A mark left unclosed in mid-paragraph is read as a stray typo, not a quotation: taking
    it as one would hide the rest of the paragraph from reuse. An unclosed quotation that
    opens its paragraph (the running-quote convention) still counts."""
    mask = np.zeros(len(text), dtype=np.bool_)
    for seg in find_segments(text):
        if seg.close_mark is None:
            line_start = text.rfind("\n", 0, seg.open_mark) + 1
            if text[line_start : seg.open_mark].strip():
                continue
            mask[seg.open_mark : seg.end] = True
        else:
            mask[seg.open_mark : seg.close_mark + 1] = True
    return mask


def quote_prefix(text: str) -> npt.NDArray[np.int64]:
    """Prefix sums of :func:`quote_mask`, for the quoted share of any span in O(1)."""
    out = np.zeros(len(text) + 1, dtype=np.int64)
    np.cumsum(quote_mask(text), out=out[1:])
    return out


def quoted_share(prefix: npt.NDArray[np.int64], start: int, end: int) -> float:
    if end <= start:
        return 0.0
    return float(prefix[end] - prefix[start]) / (end - start)
