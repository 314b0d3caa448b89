"""The ``statements`` stage: canonical speakers across the corpus, and one statement per
thing a speaker said, however many outlets quote it and however they word it.

Work is a keyed group-by: quotes are grouped by canonical speaker, and only within a group
are contents compared (sentence embeddings), so two speakers are never mixed and the cost
grows with the quotes per speaker, not with the corpus squared. The vectors of each
article's quote pieces are kept in a blob, so a run embeds only the new articles' quotes.

Incremental: a speaker's statements depend only on that speaker's quotes (their texts,
claims and vectors) and kind. When some articles are done with the current stage key, the
stored statements of every speaker the pending articles do not touch stand; only the
touched speakers (``touched_speakers``) are compared again. Canonical speakers are
resolved over the whole corpus each run (a new article may join two names), and a quote
whose canonical speaker changed touches both speakers, so the result is the one a run over
the whole corpus gives.
"""

from __future__ import annotations

import json
import re
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..config import Config
from ..models import Quote, Statement
from ..nlp.models import Embedder, NlpConfig, load_spacy, nlp_embedder
from ..nlp.stage import DOC_BLOB, load_doc
from ..pipeline import BLOB, Reporter, Skips, Stage, StageReport, current_engine, pending
from ..read.edits import speaker_edits
from ..spilled import SpilledRows, SpilledValues
from ..store import Store, content_hash
from ..vectors import pack_vectors, unpack_vectors
from . import tables
from .claims import Claim, claim_of, reworded, same_claim, tokens_in
from .config import AttributionConfig
from .speakers import Canon, canonical_speakers
from .tables import Mention

NAME = "statements"
PIECES_BLOB = "quote-pieces"  # per article: its quotes' pieces, their vectors and claims
_CLAUSE = re.compile(r"(?<=[.;!?…])\s+|,\s+(?:as well as|and|but|while|claiming|saying)\s+")


def pieces(text: str) -> list[str]:
    """The content and its clauses: one quote may carry two statements that other outlets
    report apart ("…, as well as …")."""
    parts = [p.strip(" ,.“”\"'‘’") for p in _CLAUSE.split(text)]
    parts = [p for p in parts if len(p.split()) >= 4]
    return [text, *parts] if len(parts) > 1 else [text]


def piece_spans(quote: Quote) -> list[list[tuple[int, int]]]:
    """Where each of ``pieces(quote.text)`` lies in the article's clean text: one or more
    character spans per piece (a piece may run across a frame like "he said")."""
    parts = [(p.start, p.end) for p in quote.parts] or [(quote.span.start, quote.span.end)]
    segments = []  # (offset in quote.text, offset in the clean text, length)
    at = 0
    for start, end in parts:
        segments.append((at, start, end - start))
        at += end - start + 1  # the parts are joined with one space
    out = []
    cursor = 0
    for n, piece in enumerate(pieces(quote.text)):
        lo = 0 if n == 0 else quote.text.find(piece, cursor)
        lo = max(lo, 0)
        hi = lo + len(piece)
        cursor = hi if n else 0
        out.append(
            [
                (base + max(lo, off) - off, base + min(hi, off + size) - off)
                for off, base, size in segments
                if max(lo, off) < min(hi, off + size)
            ]
        )
    return out


_WORDS = re.compile(r"\w+")


def _words(text: str) -> str:
    return " " + " ".join(_WORDS.findall(text.lower())) + " "


def quote_claims(quote: Quote, doc: Any) -> tuple[Claim, ...]:
    """The claim of each of ``pieces(quote.text)``, from the article's stored parse."""
    return tuple(claim_of(tokens_in(doc, spans)) for spans in piece_spans(quote))


def _agree(a: Claim, b: Claim, text_a: str, text_b: str, cos: float, strong: float) -> bool:
    """Two pieces make one claim: their parts agree (``claims.same_claim``); or their
    vectors reach ``strong`` and the claims do not contradict (``claims.reworded``); or
    one is a claim whose words the other holds in order (one outlet quoted more)."""
    if same_claim(a, b) or (cos >= strong and reworded(a, b)):
        return True
    short, long_, claim = (text_a, text_b, a) if len(text_a) <= len(text_b) else (text_b, text_a, b)
    return claim.is_claim and _words(short) in _words(long_)


Matrix = npt.NDArray[np.float32]
BLOCK = 256  # quotes whose similarities are held at once (memory: BLOCK x pieces floats)
COLUMNS = 1024  # ... against at most this many quotes of the same speaker (held in float64)


class _Workspace:
    """Arrays a speaker's tiles are computed in, made once and reused tile after tile. A
    tile's arrays (megabytes each) allocated and freed thousands of times, among the
    small objects made in between, kept the process's heap growing with the number of
    tiles: 93 MB more resident after a 60k-quote speaker than before it."""

    def __init__(self) -> None:
        self._flat: dict[str, npt.NDArray[Any]] = {}

    def array(self, name: str, shape: tuple[int, int], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
        """An uninitialised ``shape`` array, in the memory ``name`` had last time."""
        size = shape[0] * shape[1]
        flat = self._flat.get(name)
        if flat is None or len(flat) < size or flat.dtype != np.dtype(dtype):
            flat = self._flat[name] = np.empty(size, dtype)
        return flat[:size].reshape(shape)


def _cosines(a: npt.NDArray[Any], b: npt.NDArray[Any], work: _Workspace | None = None) -> Matrix:
    """Cosines of rows of ``a`` with rows of ``b``, summed in float64 and then rounded to
    float32: a score then does not depend on the shapes it was computed in (which
    quotes share a block), so neither do ties and threshold crossings. With ``work``,
    in its arrays (valid until its next use)."""
    a, b = a.astype(np.float64, copy=False), b.astype(np.float64, copy=False)
    work = _Workspace() if work is None else work
    sums = work.array("sums", (len(a), len(b)), np.float64)
    np.matmul(a, b.T, out=sums)
    out: Matrix = work.array("cosines", sums.shape, np.float32)
    np.copyto(out, sums, casting="same_kind")
    return out


class _Pieces:
    """The pieces of some quotes: the numbers of their vectors' rows in ``matrix`` (in
    memory, or a file read a block at a time; ``rows`` None: the matrix's rows in order)
    and where each quote's rows start."""

    def __init__(
        self,
        rows: npt.NDArray[np.int64] | None,
        starts: npt.NDArray[np.int64],
        matrix: npt.NDArray[Any] | SpilledRows,
    ) -> None:
        self.rows, self.starts, self.matrix = rows, starts, matrix
        self.n = len(starts)
        self.size = len(matrix) if rows is None else len(rows)

    @classmethod
    def of(
        cls, quotes: Sequence[Quote], row: Mapping[str, int], matrix: Matrix | SpilledRows
    ) -> _Pieces:
        """The pieces of ``quotes``, each piece text's vector at row ``row[text]``."""
        rows, sizes = array("q"), array("q")  # no Python object per quote
        for q in quotes:
            texts = pieces(q.text)
            sizes.append(len(texts))
            rows.extend(row[p] for p in texts)
        return cls.counted(rows, sizes, matrix)

    @classmethod
    def counted(cls, rows: array[int], sizes: array[int], matrix: Matrix | SpilledRows) -> _Pieces:
        """Pieces given as their vectors' rows, ``sizes[k]`` of them for quote ``k``."""
        size = np.frombuffer(sizes, dtype=np.int64)
        return cls(np.frombuffer(rows, dtype=np.int64), np.cumsum(size) - size, matrix)

    def _span(self, lo: int, hi: int) -> tuple[int, int]:
        return int(self.starts[lo]), int(self.starts[hi]) if hi < self.n else self.size

    def vectors(self, lo: int = 0, hi: int | None = None) -> npt.NDArray[Any]:
        start, end = self._span(lo, self.n if hi is None else hi)
        if self.rows is None:
            return np.asarray(self.matrix[start:end])
        return np.asarray(self.matrix[self.rows[start:end]])

    def held(self, lo: int, hi: int) -> _Pieces:
        """Quotes ``lo..hi`` with their vectors read into memory once, in float64 (the
        precision ``_cosines`` sums in), for the tiles that compare them."""
        start = int(self.starts[lo])
        return _Pieces(None, self.starts[lo:hi] - start, self.vectors(lo, hi).astype(np.float64))

    def block_similarity(
        self,
        lo: int,
        hi: int,
        other: _Pieces,
        columns: tuple[int, int] | None = None,
        work: _Workspace | None = None,
    ) -> Matrix:
        """Best cosine between any piece of quotes ``lo..hi`` and any piece of each of
        ``other``'s quotes (those of ``columns``, a range of them, when given): a
        (hi - lo) x other.n (or x the range's length) matrix. With ``work``, in its
        arrays (valid until its next use)."""
        c_lo, c_hi = (0, other.n) if columns is None else columns
        work = _Workspace() if work is None else work
        cos = _cosines(self.vectors(lo, hi), other.vectors(c_lo, c_hi), work)
        starts = self.starts[lo:hi] - self.starts[lo]
        ends = other.starts[c_lo:c_hi] - other.starts[c_lo]
        by_row = work.array("by row", (hi - lo, cos.shape[1]), np.float32)
        np.maximum.reduceat(cos, starts, axis=0, out=by_row)
        best: Matrix = work.array("best", (hi - lo, c_hi - c_lo), np.float32)
        np.maximum.reduceat(by_row, ends, axis=1, out=best)
        return best


class _Embedded:
    """Vectors of piece texts, each text embedded once per run (both passes share it).
    Without an embedder it holds only vectors given to it (``known``): where quotes are
    compared away from the model (a cluster worker).

    The vectors go to a file (``spilled.SpilledRows``) and each text's row number to
    another (``spilled.SpilledValues``), not memory: a run over the whole corpus embeds
    every compared quote, and only one speaker's (or one block's) vectors are read back
    at a time."""

    def __init__(self, embedder: Embedder | None, chunk: int = 4096) -> None:
        self.embedder = embedder
        self.chunk = chunk  # texts sent to the model per call (its output is held at once)
        self.row: SpilledValues[int] = SpilledValues()
        self._rows: SpilledRows | None = None

    def add(self, quotes: Iterable[Quote]) -> None:
        """Embed the pieces of ``quotes`` without a vector (see ``add_texts``)."""
        self.add_texts(q.text for q in quotes)

    def add_texts(self, texts: Iterable[str]) -> None:
        """Embed the pieces of quotes' ``texts`` without a vector, ``chunk`` new texts per
        call in the order they come (the quotes may come a speaker at a time: the calls
        are the same as for all of them at once)."""
        new: dict[str, None] = {}
        for text in texts:
            for p in pieces(text):
                if p not in self.row and p not in new:
                    new[p] = None
                    if len(new) == self.chunk and self.embedder is not None:
                        self._encode(list(new))
                        new = {}
        if new and self.embedder is None:
            raise KeyError(f"no vector given for {len(new)} piece(s), e.g. {next(iter(new))!r}")
        if new:
            self._encode(list(new))

    def _encode(self, texts: list[str]) -> None:
        assert self.embedder is not None
        self.known(texts, np.asarray(self.embedder.encode(texts), dtype=np.float32))

    def known(self, texts: Sequence[str], vectors: Matrix) -> None:
        """Vectors embedded earlier (a stored blob): the model is not asked for them."""
        keep = [i for i, text in enumerate(texts) if text not in self.row]
        if not keep:
            return
        if self._rows is None:
            self._rows = SpilledRows(int(vectors.shape[1]))
        start = len(self._rows)
        self.row.update({texts[i]: start + n for n, i in enumerate(keep)})
        self._rows.append(np.asarray(vectors, dtype=np.float32)[keep])

    def embedded_pieces(self, quotes: Sequence[Quote]) -> list[str]:
        """The piece texts of ``quotes`` that have a vector (embedded or read this run)."""
        return [
            p for p in dict.fromkeys(p for q in quotes for p in pieces(q.text)) if p in self.row
        ]

    def packed(self, quotes: Sequence[Quote], claims: Mapping[str, Sequence[Claim]]) -> bytes:
        """The piece texts of ``quotes`` that have a vector, those vectors and the quotes'
        claims, for the article's blob."""
        texts = self.embedded_pieces(quotes)
        mine = {q.id: [c.as_list() for c in claims[q.id]] for q in quotes if q.id in claims}
        head = json.dumps({"texts": texts, "claims": mine}, ensure_ascii=False).encode("utf-8")
        rows = self.rows_of(texts) if texts else np.zeros((0, 0))
        return len(head).to_bytes(4, "little") + head + pack_vectors(rows)

    def rows_of(self, texts: Sequence[str]) -> Matrix:
        """The vectors of ``texts`` (each has one), read into memory."""
        if self._rows is None:
            dim = int(self.embedder.dim) if self.embedder is not None else 0
            return np.zeros((len(texts), dim), np.float32)
        return np.asarray(self._rows[[self.row[t] for t in texts]], dtype=np.float32)

    def vectors_of(self, quote: Quote) -> tuple[list[str], Matrix]:
        """A quote's piece texts and their vectors (what a worker needs to compare it)."""
        texts = pieces(quote.text)
        return texts, self.rows_of(texts)

    def pieces_of(self, quotes: Sequence[Quote]) -> _Pieces:
        """The pieces of ``quotes`` with their vectors in memory (those of these quotes
        alone: one speaker's, or one block's)."""
        self.add(quotes)
        texts = list(dict.fromkeys(p for q in quotes for p in pieces(q.text)))
        return _Pieces.of(quotes, {t: i for i, t in enumerate(texts)}, self.rows_of(texts))

    def matrix(self) -> Matrix | SpilledRows:
        """The file of the vectors (row numbers in ``row``), read a block at a time."""
        return np.zeros((0, 0), np.float32) if self._rows is None else self._rows

    def close(self) -> None:
        """Remove the vectors' file."""
        if self._rows is not None:
            self._rows.close()
            self._rows = None
        self.row.close()


TEXTS = 512  # quotes whose texts are read from the store at once


class _Quotes:
    """One speaker's compared quotes, in the order they are compared, as arrays: their ids
    packed in one buffer and their articles as numbers (equal numbers: the same article).
    Their texts are read from ``source`` (the store, or the quotes when held anyway) when
    their pieces are worked out or a pair is checked, ``TEXTS`` at a time: a
    speaker quoted tens of thousands of times holds a few bytes per quote, not its quotes
    (about 1 KB each with their texts)."""

    def __init__(self, source: Store | Sequence[Quote]) -> None:
        self.source = source
        self._ids, self._ends = bytearray(), array("q")
        self._article = array("q")

    @classmethod
    def of(cls, quotes: Sequence[Quote]) -> _Quotes:
        """Quotes held in memory (in any article order)."""
        out = cls(quotes)
        names = np.asarray([q.article for q in quotes], dtype=str)
        _, article = np.unique(names, return_inverse=True)
        for q, a in zip(quotes, article.tolist(), strict=True):
            out.add(q.id, a)
        return out

    def add(self, quote_id: str, article: int) -> None:
        self._ids += quote_id.encode("utf-8")
        self._ends.append(len(self._ids))
        self._article.append(article)

    def __len__(self) -> int:
        return len(self._ends)

    def id(self, k: int) -> str:
        lo = self._ends[k - 1] if k else 0
        return self._ids[lo : self._ends[k]].decode("utf-8")

    def articles(self) -> npt.NDArray[np.int64]:
        """Each quote's article as a number."""
        return np.frombuffer(self._article, dtype=np.int64)

    def texts(self, ks: Sequence[int]) -> list[str]:
        """The texts of quotes ``ks``, in their order."""
        if isinstance(self.source, Store):
            return tables.quote_texts(self.source, [self.id(k) for k in ks])
        return [self.source[k].text for k in ks]

    def each_text(self) -> Iterator[str]:
        """Every quote's text, in order, read ``TEXTS`` at a time."""
        for lo in range(0, len(self), TEXTS):
            yield from self.texts(range(lo, min(lo + TEXTS, len(self))))

    def quotes(self) -> Iterator[Quote]:
        """The quotes, in order, read ``TEXTS`` at a time (with the speaker the source
        gives: ``compare_stored`` gives the canonical one)."""
        for lo in range(0, len(self), TEXTS):
            ks = range(lo, min(lo + TEXTS, len(self)))
            if isinstance(self.source, Store):
                yield from tables.quotes_by_id(self.source, [self.id(k) for k in ks])
            else:
                yield from (self.source[k] for k in ks)

    def pieces(self, embedded: _Embedded) -> _Pieces:
        """The quotes' pieces (their vectors' rows in ``embedded``'s file), their texts
        read ``TEXTS`` at a time."""
        rows, sizes = array("q"), array("q")
        for lo in range(0, len(self), TEXTS):
            texts = self.texts(range(lo, min(lo + TEXTS, len(self))))
            embedded.add_texts(texts)
            for text in texts:
                parts = pieces(text)
                sizes.append(len(parts))
                rows.extend(embedded.row[p] for p in parts)
        return _Pieces.counted(rows, sizes, embedded.matrix())


def makes_statements(quote: Quote, kinds: Mapping[str, str] | None) -> bool:
    """Whether the quote's speaker may make statements: a named person or organisation
    (any speaker without ``kinds``)."""
    return bool(quote.speaker) and (kinds is None or kinds.get(str(quote.speaker)) in KINDS)


KINDS = ("person", "org")  # the speakers that make statements


QuoteItem = tuple[int, Quote, str | None, list[str], Matrix, tuple[Claim, ...]]


def compare_speakers(
    items: Sequence[QuoteItem], evidence: tuple[float, float]
) -> tuple[list[Statement], dict[str, str]]:
    """``group_statements`` over the quotes of some speakers, given with their position in
    the corpus's quotes, their speaker's kind, their pieces' vectors and their claims (in
    any order): each speaker's statements, and the articles whose speaker could not be
    compared. ``evidence``: the threshold and the strong cosine."""
    items = sorted(items, key=lambda item: item[0])
    embedded = _Embedded(None)
    for _, _, _, texts, vectors, _ in items:
        embedded.known(texts, vectors)
    kinds = {str(q.speaker): kind for _, q, kind, _, _, _ in items if kind is not None}
    claims = {q.id: claim for _, q, _, _, _, claim in items}
    skips = Skips(NAME)
    threshold, strong = evidence
    found = group_statements(
        [item[1] for item in items],
        embedded,
        threshold,
        skips,
        kinds,
        claims=claims,
        strong=strong,
    )
    return found, skips.failed


def compared(
    quotes: Sequence[Quote],
    kinds: Mapping[str, str] | None,
    claims: Mapping[str, Sequence[Claim]],
) -> list[tuple[str, list[Quote]]]:
    """The quotes that are compared, by speaker (in name order): claims (a piece of the
    quote is one) of a speaker that makes statements, quoted in at least two articles."""
    by_speaker: dict[str, list[Quote]] = defaultdict(list)
    for q in quotes:
        if not (q.speaker and makes_statements(q, kinds)):
            continue  # the speaker is checked first: a claim is read from a file
        if any(c.is_claim for c in claims.get(q.id, ())):
            by_speaker[q.speaker].append(q)
    return [
        (speaker, group)
        for speaker, group in sorted(by_speaker.items())
        if len({q.article for q in group}) >= 2
    ]


def group_statements(
    quotes: Sequence[Quote],
    embedder: Embedder | _Embedded,
    threshold: float,
    skips: Skips | None = None,
    kinds: Mapping[str, str] | None = None,
    *,
    claims: Mapping[str, Sequence[Claim]],
    strong: float = 0.8,
) -> list[Statement]:
    """Quotes of one canonical speaker in different articles making the same claim.

    ``claims`` holds each quote's claims, one per piece (``quote_claims``); a quote
    without them, or with no piece that is a claim, joins no statement. Two quotes are one
    claim when a piece of each reaches ``threshold`` (cosine) and the two pieces' claims
    agree; at ``strong`` and above, when they do not contradict (a rewording). With
    ``skips``, a speaker whose quotes cannot be compared is left out and recorded against
    the articles quoting them; without, the error propagates. With ``kinds`` (canonical
    name → kind), only named speakers (people, organisations) make statements:
    "officials" or "nothing" in two articles are not one speaker.
    """
    own = not isinstance(embedder, _Embedded)
    embedded = _Embedded(embedder) if not isinstance(embedder, _Embedded) else embedder
    groups = compared(quotes, kinds, claims)
    # The pieces of every group go to the model in large calls (full, length-sorted
    # batches instead of one small call per speaker); each group then reads its own rows.
    statements: list[Statement] = []
    cuts = (threshold, strong)
    try:
        embedded.add([q for _, group in groups for q in group])
        for speaker, group in groups:
            mine = _Quotes.of(group)
            statements += _speaker_statements(speaker, mine, claims, embedded, cuts, skips)
    finally:
        if own:
            embedded.close()
    return statements


def _speaker_statements(
    speaker: str,
    group: _Quotes,
    claims: Mapping[str, Sequence[Claim]],
    embedded: _Embedded,
    cuts: tuple[float, float],
    skips: Skips | None,
) -> list[Statement]:
    """One compared speaker's statements; with ``skips``, none when its quotes cannot be
    compared (recorded against the articles quoting it)."""
    if skips is None:
        return _same_statements(speaker, group, claims, embedded, cuts)
    try:
        return _same_statements(speaker, group, claims, embedded, cuts)
    except Exception as exc:  # the articles are read only now: they are not held
        skips.note(sorted({q.article for q in group.quotes()}), exc)
        return []


def _same_statements(
    speaker: str,
    group: _Quotes,
    claims: Mapping[str, Sequence[Claim]],
    embedded: _Embedded,
    cuts: tuple[float, float],
) -> list[Statement]:
    """One speaker's quotes in different articles that make the same claim."""
    threshold = cuts[0]
    found = group.pieces(embedded)
    similar = _Edges()  # pairs i < j at or above the threshold whose claims agree
    # Tile by tile, each block of vectors read from the file when it is compared: a block
    # of ``COLUMNS`` quotes is held, and blocks of ``BLOCK`` quotes up to its end are
    # compared with it (only tiles with a pair i < j), so a speaker quoted tens of
    # thousands of times never holds its vectors, nor an n x n matrix. Claims and texts are
    # read only for the pairs that reach the threshold, a tile's at once. A pair whose
    # quotes state different figures ("3,000" against "5,000") is no pair: they never
    # share a group (``_complete_groups``), so their figures are not kept.
    n = len(group)
    article = group.articles()
    work = _Workspace()
    for c_lo in range(0, n, COLUMNS):
        c_hi = min(c_lo + COLUMNS, n)
        columns = found.held(c_lo, c_hi)
        for lo in range(0, c_hi, BLOCK):
            hi = min(lo + BLOCK, c_hi)
            rows = found.held(lo, hi)
            sims = rows.block_similarity(0, hi - lo, columns, work=work)
            keep = work.array("keep", sims.shape, bool)
            np.greater_equal(sims, threshold, out=keep)
            apart = work.array("apart", sims.shape, bool)  # quotes of different articles
            np.not_equal(article[lo:hi, None], article[None, c_lo:c_hi], out=apart)
            keep &= apart
            if hi > c_lo:  # rows inside the column block: only pairs i < j
                keep &= np.arange(lo, hi)[:, None] < np.arange(c_lo, c_hi)[None, :]
            r_at, c_at = np.nonzero(keep)
            if not len(r_at):
                continue
            said = _Said(claims, group)  # the claims of this tile's pairs
            paired = np.union1d(r_at + lo, c_at + c_lo).tolist()
            text = dict(zip(paired, group.texts(paired), strict=True))
            figures: dict[int, frozenset[str]] = {}  # of this tile's paired quotes
            for r, c in zip(r_at.tolist(), c_at.tolist(), strict=True):
                i, j = lo + r, c_lo + c
                pair = ((rows, r, said(i)), (columns, c, said(j)))
                cos = _agreeing(pair, (text[i], text[j]), cuts)
                if cos is not None and _same_figures(i, j, text, figures):
                    similar.add(i, j, cos)
    out = []
    for members in _complete_groups(n, similar):
        if len({int(article[k]) for k in members}) >= 2:
            ids = tuple(sorted(group.id(k) for k in members))
            out.append(Statement(id=content_hash("|".join(ids)), speaker=speaker, quotes=ids))
    return out


class _Said:
    """Quotes' claims read from ``claims`` (a file in a run) when a pair needs them, each
    once per tile."""

    def __init__(self, claims: Mapping[str, Sequence[Claim]], group: _Quotes) -> None:
        self.claims, self.group = claims, group
        self.read: dict[int, Sequence[Claim]] = {}

    def __call__(self, k: int) -> Sequence[Claim]:
        if k not in self.read:
            self.read[k] = self.claims[self.group.id(k)]
        return self.read[k]


def _agreeing(
    pair: tuple[tuple[_Pieces, int, Sequence[Claim]], tuple[_Pieces, int, Sequence[Claim]]],
    texts: tuple[str, str],
    cuts: tuple[float, float],
) -> float | None:
    """The best cosine between a piece of one quote and one of the other (each given as
    its block of pieces, its place in the block and its claims) that reach the threshold
    and make the same claim; None when no two do."""
    threshold, strong = cuts
    (found_i, i, claims_i), (found_j, j, claims_j) = pair
    cos = _cosines(found_i.vectors(i, i + 1), found_j.vectors(j, j + 1))
    texts_i, texts_j = pieces(texts[0]), pieces(texts[1])
    best = None
    for x, y in zip(*np.nonzero(cos >= threshold), strict=True):
        a, b = int(x), int(y)
        known = a < len(claims_i) and b < len(claims_j)
        c = float(cos[a, b])
        if known and _agree(claims_i[a], claims_j[b], texts_i[a], texts_j[b], c, strong):
            best = max(best or -1.0, c)
    return best


_FIGURE = re.compile(r"\d[\d,.]*")


def _figures(text: str) -> frozenset[str]:
    return frozenset(n.rstrip(".,").replace(",", "") for n in _FIGURE.findall(text))


def _same_figures(
    i: int, j: int, texts: Mapping[int, str], read: dict[int, frozenset[str]]
) -> bool:
    """Quotes ``i`` and ``j`` state no different figures: one states none, or they share
    one (the figures of each text read once into ``read``)."""
    for k in (i, j):
        if k not in read:
            read[k] = _figures(texts[k])
    x, y = read[i], read[j]
    return not x or not y or bool(x & y)


class _Edges:
    """Pairs of one speaker's quotes (i < j) and their cosines, in compact arrays: a
    speaker quoted tens of thousands of times has about as many pairs as quotes."""

    def __init__(self) -> None:
        self.i, self.j, self.cos = array("i"), array("i"), array("f")

    def add(self, i: int, j: int, cos: float) -> None:
        """``cos`` is a float32 value (``_cosines``): kept exactly."""
        self.i.append(i)
        self.j.append(j)
        self.cos.append(cos)

    def __len__(self) -> int:
        return len(self.i)


class _Groups:
    """Groups of quotes, a quote in any number of them, as chains in arrays: one record
    per membership, chained per quote (in the order it joined) and per group."""

    def __init__(self, n: int) -> None:
        self.first, self.last = array("i", [-1]) * n, array("i", [-1]) * n  # quote's records
        self.quote, self.group = array("i"), array("i")  # record -> its quote, its group
        self.next_of_quote, self.next_in_group = array("i"), array("i")
        self.head = array("i")  # group -> the record of its newest member

    def __len__(self) -> int:
        return len(self.head)

    def new(self, *quotes: int) -> None:
        self.head.append(-1)
        for q in quotes:
            self.join(q, len(self.head) - 1)

    def join(self, q: int, g: int) -> None:
        r = len(self.quote)
        self.quote.append(q)
        self.group.append(g)
        self.next_of_quote.append(-1)
        self.next_in_group.append(self.head[g])
        self.head[g] = r
        if self.last[q] < 0:
            self.first[q] = r
        else:
            self.next_of_quote[self.last[q]] = r
        self.last[q] = r

    def of(self, q: int) -> Iterator[int]:
        """The groups of quote ``q``, in the order it joined them."""
        r = self.first[q]
        while r >= 0:
            yield self.group[r]
            r = self.next_of_quote[r]

    def members(self, g: int) -> Iterator[int]:
        r = self.head[g]
        while r >= 0:
            yield self.quote[r]
            r = self.next_in_group[r]


def _complete_groups(n: int, similar: _Edges) -> list[list[int]]:
    """Quotes of one speaker in groups where every two members say the same thing.

    Complete linkage: a quote joins a group, most similar pair of different articles
    first, only when it is similar to every member (a pair of ``similar``, which holds no
    pair stating different figures: "3,000" against "5,000"), so a chain of topical
    neighbours (A like B, B like C) never joins A with a different claim C. A quote
    carrying two claims ("…, as well as …") may belong to the group of each. The pairs and
    the groups are kept in arrays, not objects per quote: their memory is a few bytes per
    pair. The groups are lists of the ``n`` quotes' numbers."""
    i = np.frombuffer(similar.i, dtype=np.intc).astype(np.int64)
    j = np.frombuffer(similar.j, dtype=np.intc).astype(np.int64)
    keys = np.sort(i * n + j)

    def agree(a: int, b: int) -> bool:
        key = min(a, b) * n + max(a, b)
        at = int(np.searchsorted(keys, key))
        return at < len(keys) and int(keys[at]) == key

    # most similar first; at one cosine the later pair (i, then j) first
    order = np.lexsort((j, i, np.frombuffer(similar.cos, dtype=np.float32)))[::-1]
    groups = _Groups(n)
    for e in order.tolist():
        a, b = similar.i[e], similar.j[e]
        if not set(groups.of(a)).isdisjoint(groups.of(b)):
            continue
        joined = False
        for new, old in ((b, a), (a, b)):
            for g in groups.of(old):
                if all(agree(new, x) for x in groups.members(g)):
                    groups.join(new, g)
                    joined = True
                    break
            if joined:
                break
        if not joined:
            groups.new(a, b)
    return [sorted(groups.members(g)) for g in range(len(groups))]


def place_metonymy(
    quotes: Iterable[Quote],
    places: frozenset[str],
    kinds: Mapping[str, str],
    embedder: Embedder | _Embedded,
    threshold: float,
    source_block: int = 4096,
) -> dict[str, str]:
    """Quotes credited to a place ("Moscow accused …") whose quoted words are an
    organisation's words quoted directly elsewhere, re-credited to that organisation.

    A capital or country "says" things only through some body; when the words it is said
    to have used appear in another outlet's direct quote of one organisation, that body is
    the speaker. Only place-named speakers and only quotes carrying quoted words qualify.
    The sources are compared ``source_block`` quotes at a time (every organisation's
    direct quotes in the corpus are never held at once).
    """
    targets: list[Quote] = []
    sources: list[Quote] = []
    for q in quotes:  # one pass: ``quotes`` may be read from the store as they come
        if q.speaker in places and q.kind in METONYMY_KINDS:
            targets.append(q)
        elif q.kind == "direct" and q.speaker and kinds.get(q.speaker) == "org":
            sources.append(q)
    if not targets or not sources:
        return {}
    own = not isinstance(embedder, _Embedded)
    embedded = _Embedded(embedder) if not isinstance(embedder, _Embedded) else embedder
    try:
        embedded.add([*targets, *sources])
        return _recredited(targets, sources, embedded, threshold, source_block)
    finally:
        if own:
            embedded.close()


METONYMY_KINDS = ("direct", "mixed")  # the quotes place metonymy reads


def _recredited(
    targets: Sequence[Quote],
    sources: Sequence[Quote],
    embedded: _Embedded,
    threshold: float,
    source_block: int,
) -> dict[str, str]:
    """``place_metonymy``'s comparison: a block of targets against the sources a block
    at a time, keeping each target's best cosine and the speakers reaching it. The best
    over all blocks is the best over all sources, so the block size changes nothing."""
    out: dict[str, str] = {}
    for lo in range(0, len(targets), BLOCK):
        hi = min(lo + BLOCK, len(targets))
        mine = embedded.pieces_of(targets[lo:hi])
        best = np.full(hi - lo, -np.inf)
        who: list[str | None] = [None] * (hi - lo)
        for s_lo in range(0, len(sources), source_block):
            block = sources[s_lo : s_lo + source_block]
            sims = mine.block_similarity(0, hi - lo, embedded.pieces_of(block))
            articles = np.asarray([p.article for p in block])
            for r, q in enumerate(targets[lo:hi]):
                row = np.where(articles != q.article, sims[r], -np.inf)
                top = float(row.max())
                if top < best[r] or top == -np.inf:
                    continue
                name = max(str(block[j].speaker) for j in np.flatnonzero(row == top).tolist())
                if top > best[r] or who[r] is None or name > str(who[r]):
                    who[r] = name  # ties go to the last speaker by name
                best[r] = top
        for r, q in enumerate(targets[lo:hi]):
            if best[r] >= threshold and who[r] is not None:
                out[q.id] = str(who[r])
    return out


def _unpack_pieces(data: bytes) -> tuple[list[str], Matrix, dict[str, list[Claim]]]:
    """Piece texts, their vectors and the quotes' claims of an article's blob (no claims
    from a blob written before they were kept: they are read again from the parse)."""
    size = int.from_bytes(data[:4], "little")
    head = json.loads(data[4 : 4 + size].decode("utf-8"))
    vectors = unpack_vectors(data[4 + size :])
    if not isinstance(head, dict):
        return list(head), vectors, {}
    claims = {q: [Claim.from_list(c) for c in rows] for q, rows in head["claims"].items()}
    return list(head["texts"]), vectors, claims


def _article_claims(store: Store, nlp: Any, quotes: Sequence[Quote]) -> dict[str, list[Claim]]:
    """The claims of one article's quotes, from its stored parse (none without one)."""
    doc = load_doc(store, quotes[0].article, nlp) if quotes else None
    return {} if doc is None else {q.id: list(quote_claims(q, doc)) for q in quotes}


class _Records(Mapping[str, Mapping[str, Any]]):
    """The articles' entity records, read from the store when asked instead of all held at
    once (on 10k articles they are the largest thing the stage would hold). ``items`` reads
    each article's record (an unreadable one is recorded in ``skips`` and left out); a
    lookup reads one and keeps it for the next (quotes come in article order)."""

    def __init__(self, store: Store, ids: Sequence[str], skips: Skips) -> None:
        self.store, self.ids, self.skips = store, ids, skips
        self.missing: set[str] = set()
        self.last: tuple[str, Mapping[str, Any]] | None = None

    def _read(self, article: str) -> Mapping[str, Any] | None:
        if article in self.missing:
            return None
        if self.last is not None and self.last[0] == article:
            return self.last[1]
        record = self.skips.guard(article, tables.entity_record, self.store, article)
        if record is None:
            self.missing.add(article)
            return None
        self.last = (article, record)
        return record

    def __getitem__(self, article: str) -> Mapping[str, Any]:
        record = self._read(article)
        if record is None:
            raise KeyError(article)
        return record

    def items(self) -> Iterator[tuple[str, Mapping[str, Any]]]:  # type: ignore[override]
        for article in self.ids:
            record = self._read(article)
            if record is not None:
                yield article, record

    def __iter__(self) -> Iterator[str]:
        return (article for article, _ in self.items())

    def __len__(self) -> int:
        return sum(1 for _ in self.items())


def run(store: Store, config: Config, reporter: Reporter) -> StageReport:
    nlp_cfg = config.section("nlp", NlpConfig)
    key, todo = pending(store, config, NAME)
    if not todo:
        return StageReport(NAME)
    # The pieces' vectors and the quotes' claims go to files as they are read or worked
    # out; a speaker's are read back when it is compared (see ``_Embedded``).
    embedded = _Embedded(nlp_embedder(nlp_cfg))
    claims: SpilledValues[Sequence[Claim]] = SpilledValues()
    try:
        return _run(store, config, reporter, (key, todo), embedded, claims)
    finally:
        embedded.close()
        claims.close()
        tables.end_run(store)


def _run(
    store: Store,
    config: Config,
    reporter: Reporter,
    work: tuple[str, list[str]],
    embedded: _Embedded,
    claims: SpilledValues[Sequence[Claim]],
) -> StageReport:
    cfg = config.section("attribution", AttributionConfig)
    nlp_cfg = config.section("nlp", NlpConfig)
    key, todo = work
    # progress in steps: read the articles' entities, canonical speakers, re-credited
    # place names, statements, write
    reporter.start("statements: speakers across articles", 5)
    skips = Skips(NAME)
    # The corpus's quotes are read from the store as they are needed, never all held:
    # speakers as each article names them (twice), then this run's canonical speaker of
    # each quote goes to a table of the store's connection (``tables.begin_run``) and the
    # quotes are read back a speaker at a time.
    said = tables.Mentions(store)
    records = _Records(store, store.article_ids(), skips)
    reporter.advance()
    canon = canonical_speakers(records, said, speaker_edits(store.conn))
    ids = {s.name: s.id for s in canon.speakers}
    tables.begin_run(
        store,
        ((m.id, name, None if name is None else ids.get(name)) for m, name in _named(canon, said)),
    )
    reporter.advance()
    # Incremental: the piece vectors of articles already done come from their blobs. Only
    # the quotes that are compared (a named speaker quoted in two articles, a place
    # standing for a body) go to the model, when they are first compared; an article's
    # blob is rewritten when it gains vectors.
    fresh = set(todo)
    speaking = tables.speaking_articles(store)
    stored: dict[str, tuple[int, int]] = {}  # article -> pieces and claims its blob holds
    for article in speaking:
        data = None if article in fresh else store.get_blob(PIECES_BLOB, article)
        if data is not None:
            texts, vectors, kept = _unpack_pieces(data)
            embedded.known(texts, vectors)
            claims.update(kept)
            stored[article] = (len(texts), len(kept))
    kinds = {s.name: s.kind for s in canon.speakers}
    moved = place_metonymy(
        tables.quotes_of_kinds(store, METONYMY_KINDS),
        canon.places,
        kinds,
        embedded,
        cfg.metonymy_threshold,
    )
    tables.recredit(store, {qid: (name, ids.get(name)) for qid, name in moved.items()})
    reporter.advance()
    # Incremental when some articles are done with this key: the stored statements of the
    # speakers the pending articles do not touch stand (see the module docstring).
    incremental = len(fresh) < len(store.article_ids())
    touched: set[str] = set()
    if incremental:
        old_kinds = {s.name: s.kind for s in tables.speakers(store)}
        touched = tables.touched_speakers(store, fresh, kinds, old_kinds)
        tables.keep_statements(store, touched)
    # the speakers whose quotes are compared: making statements, quoted in two articles
    tables.set_compared(
        store,
        (
            speaker
            for speaker, articles in tables.speaker_articles(store).items()
            if speaker
            and kinds.get(speaker) in KINDS
            and articles >= 2
            and (not incremental or speaker in touched)
        ),
    )
    # what the compared quotes claim, from their articles' stored parses when not kept
    unread = sorted(
        {
            article
            for _, rows in tables.compared_ids(store)
            for quote_id, article in rows
            if quote_id not in claims
        }
    )
    nlp = load_spacy(nlp_cfg.spacy_model) if unread else None
    for article in unread:
        mine = _speaking(store, article)
        claims.update(skips.guard(article, _article_claims, store, nlp, mine) or {})

    evidence = (cfg.statement_threshold, cfg.statement_strong)
    counted = compare_stored(store, kinds, claims, embedded, evidence, skips)
    reporter.advance()
    # Errors are forgotten where this run looked again: every article in a whole run; the
    # pending ones and those quoting a touched speaker in an incremental one.
    seen = set(tables.touched_articles(store)) | fresh if incremental else set(store.article_ids())
    with store.transaction():
        tables.commit_run(store, canon.speakers, canon.evidence)
        errors = skips.record(store, sorted(seen))
        for article in speaking:
            mine = _speaking(store, article)
            have = (len(embedded.embedded_pieces(mine)), sum(q.id in claims for q in mine))
            if have[0] and have != stored.get(article):
                data = embedded.packed(mine, claims)
                store.put_blob(PIECES_BLOB, article, store.text_hash(article), data)
        store.mark_done(NAME, todo, key)
    reporter.advance()
    reporter.finish()
    return StageReport(
        NAME,
        processed=len(todo),
        errors=errors,
        notes=(
            f"{len(canon.speakers)} speakers,"
            f" {tables.count_statements(store)} statements across articles",
            f"compared {counted[1]} quotes of {counted[0]} speakers"
            + (" (incremental)" if incremental else ""),
        ),
    )


def compare_stored(
    store: Store,
    kinds: Mapping[str, str],
    claims: Mapping[str, Sequence[Claim]],
    embedded: _Embedded,
    evidence: tuple[float, float],
    skips: Skips,
) -> tuple[int, int]:
    """The statements of the speakers ``tables.set_compared`` named, from this run's
    quotes in the store (``tables.begin_run``), each speaker's kept with
    ``tables.add_statements`` as it is done: how many speakers and quotes were compared.
    ``evidence``: the threshold and the strong cosine."""

    def groups() -> Iterator[tuple[str, _Quotes]]:
        """The compared quotes, a speaker at a time (see ``compared``)."""
        return _stored_groups(store, kinds, claims)

    # The pieces go to the model in large calls across speakers, in the order of the
    # speakers (as ``group_statements`` does); each speaker then reads its own rows.
    embedded.add_texts(text for _, group in groups() for text in group.each_text())
    counted = [0, 0]  # compared speakers, quotes
    keyed = getattr(current_engine(), "group_statements", None)
    if keyed is not None:  # an engine that compares each speaker's quotes apart (Ray)
        flat = (
            (speaker, replace(q, speaker=speaker))
            for speaker, group in groups()
            for q in group.quotes()
        )
        items = (
            (speaker, (k, q, kinds.get(speaker), *embedded.vectors_of(q), tuple(claims[q.id])))
            for k, (speaker, q) in enumerate(flat)
        )
        statements, failed = keyed(items, evidence)
        for article, message in failed.items():
            skips.failed.setdefault(article, message)
        tables.add_statements(store, statements)
        for _, group in groups():
            counted[0] += 1
            counted[1] += len(group)
    else:
        for speaker, group in groups():
            found = _speaker_statements(speaker, group, claims, embedded, evidence, skips)
            tables.add_statements(store, found)
            counted[0] += 1
            counted[1] += len(group)
    return counted[0], counted[1]


def _stored_groups(
    store: Store, kinds: Mapping[str, str], claims: Mapping[str, Sequence[Claim]]
) -> Iterator[tuple[str, _Quotes]]:
    """``compared`` over the store's quotes of the speakers ``tables.set_compared`` named,
    a speaker at a time, each speaker's as ids and article numbers (``_Quotes``)."""
    for speaker, rows in tables.compared_ids(store):
        if not speaker or kinds.get(speaker) not in KINDS:
            continue
        group = _Quotes(store)
        last: str | None = None
        number = -1  # the rows come in article order: a new article, a new number
        for quote_id, article in rows:
            if any(c.is_claim for c in claims.get(quote_id, ())):
                if article != last:
                    number, last = number + 1, article
                group.add(quote_id, number)
        if number >= 1:  # quoted in two articles
            yield speaker, group


def _named(canon: Canon, said: Iterable[Mention]) -> Iterator[tuple[Mention, str | None]]:
    return ((m, canon.speaker_of(m)) for m in said)


def _speaking(store: Store, article: str) -> list[Quote]:
    """An article's quotes whose speaker it names."""
    return [q for q in tables.all_quotes(store, article) if q.speaker is not None]


STAGE = Stage(
    name=NAME,
    requires=(
        "documents",
        "articles",
        "article_quotes",
        "speaker_edits",
        BLOB + tables.ENTITY_BLOB,
        BLOB + DOC_BLOB,
    ),
    provides=(
        "speakers",
        "speaker_aliases",
        "quote_speakers",
        "statements",
        "statement_quotes",
        BLOB + PIECES_BLOB,
    ),
    run=run,
    doc="canonical speakers across the corpus; the same statement matched across outlets",
    config=("attribution",),
    # 2: claims from the parse (predicates, arguments, figures, negation); 3: cosines summed
    # in float64, so a score no longer depends on which quotes share a block
    version=3,
    user_inputs=("speaker_edits",),  # a new correction is pending work for the next analyze
)
