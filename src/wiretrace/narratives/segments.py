"""Clause-level segments of sentences, for matching claims that sit inside long sentences.

A talking point is often one clause of a long news sentence ("..., arguing that X had
itself recognised Y"). Whole-sentence embeddings dilute it, so each sentence is also
represented by the subtrees of its clausal heads in the stored dependency parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from ..models import Span

if TYPE_CHECKING:
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

# Dependency labels (spaCy English scheme) whose subtree is a clause of its own.
CLAUSE_DEPS = frozenset(
    {"ccomp", "advcl", "conj", "xcomp", "relcl", "acl", "pcomp", "csubj", "parataxis"}
)
CLAUSE_POS = frozenset({"VERB", "AUX"})


@dataclass(frozen=True, slots=True)
class Segment:
    """A sentence (``clause=False``) or one of its clauses, by character span."""

    sentence: int
    span: Span
    clause: bool


def clause_spans(sent: SpacySpan, min_tokens: int = 5, max_clauses: int = 6) -> list[Span]:
    """Character spans of clause subtrees inside one parsed sentence."""
    spans: list[Span] = []
    seen: set[tuple[int, int]] = set()
    n = len(sent)
    for token in sent:
        if token.dep_ not in CLAUSE_DEPS or token.pos_ not in CLAUSE_POS:
            continue
        left, right = token.left_edge.i, token.right_edge.i
        # Leading punctuation and conjunctions are not part of the claim.
        doc = sent.doc
        while left < right and (doc[left].is_punct or doc[left].dep_ in ("cc", "mark")):
            left += 1
        while right > left and doc[right].is_punct:
            right -= 1
        size = right - left + 1
        if size < min_tokens or size >= n - 1:
            continue
        key = (doc[left].idx, doc[right].idx + len(doc[right]))
        if key in seen:
            continue
        seen.add(key)
        spans.append(Span(*key))
        if len(spans) >= max_clauses:
            break
    return spans


def segment_doc(doc: Doc, sentences: Sequence[Span], min_tokens: int = 5) -> list[Segment]:
    """Every stored sentence, then its clauses; clause spans map to the sentence holding them."""
    segments = [Segment(i, s, False) for i, s in enumerate(sentences)]
    starts = [s.start for s in sentences]
    for sent in doc.sents:
        spans = clause_spans(sent, min_tokens)
        if not spans:
            continue
        idx = _sentence_of(starts, sentences, spans[0])
        if idx is None:
            continue
        for span in spans:
            if sentences[idx].start <= span.start and span.end <= sentences[idx].end:
                segments.append(Segment(idx, span, True))
    return segments


def _sentence_of(starts: Sequence[int], sentences: Sequence[Span], span: Span) -> int | None:
    import bisect

    i = bisect.bisect_right(starts, span.start) - 1
    if i < 0 or span.end > sentences[i].end:
        return None
    return i


# Punctuation that joins independent clauses inside one sentence ("X acts under pressure;
# the West shares responsibility"): each side is a proposition of its own.
PROPOSITION_SEPARATORS = frozenset({";", ":"})


def propositions(sent: SpacySpan) -> list[SpacySpan]:
    """The propositions a sentence bundles: its parts between clause-joining punctuation
    that each have a predicate of their own (the whole sentence when there is one part)."""
    doc = sent.doc
    cuts = [t.i for t in sent if t.is_punct and t.text in PROPOSITION_SEPARATORS]
    bounds = [sent.start, *[c + 1 for c in cuts]]
    ends = [*cuts, sent.end]
    parts = []
    for lo, hi in zip(bounds, ends, strict=True):
        while lo < hi and doc[lo].is_punct:
            lo += 1
        while hi > lo and doc[hi - 1].is_punct:
            hi -= 1
        if hi > lo and any(t.pos_ in CLAUSE_POS for t in doc[lo:hi]):
            parts.append(doc[lo:hi])
    return parts if len(parts) > 1 else [sent]


def statement_parts(doc: Doc, min_tokens: int = 4) -> list[str]:
    """A narrative statement, each proposition it bundles and their clauses, as query texts.

    A statement often joins several claims; an echo may repeat only one of them, and a
    whole-statement embedding dilutes each claim with the others.
    """
    text = doc.text.strip()
    parts = [text]
    for sent in doc.sents:
        if sent.text.strip() and sent.text.strip() != text:
            parts.append(sent.text.strip())
        parts.extend(doc.text[s.start : s.end] for s in clause_spans(sent, min_tokens))
        props = propositions(sent)
        if len(props) > 1:
            for prop in props:
                parts.append(prop.text)
                parts.extend(doc.text[s.start : s.end] for s in clause_spans(prop, min_tokens))
    return list(dict.fromkeys(p for p in parts if p))


# -- compact storage of segments with their vectors -------------------------------------


def pack_segments(segments: Sequence[Segment], vectors: npt.NDArray[np.float32]) -> bytes:
    """Segments as int32 rows (sentence, start, end, clause) followed by float16 vectors."""
    meta = np.array(
        [[s.sentence, s.span.start, s.span.end, int(s.clause)] for s in segments], dtype=np.int32
    ).reshape(-1, 4)
    dim = vectors.shape[1] if vectors.size else 0
    header = np.array([len(segments), dim], dtype=np.int32).tobytes()
    return header + meta.tobytes() + vectors.astype(np.float16).tobytes()


def unpack_arrays(data: bytes) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float16]]:
    """Meta rows (sentence, start, end, clause) and float16 vectors, without copies."""
    n, dim = (int(x) for x in np.frombuffer(data[:8], dtype=np.int32))
    meta = np.frombuffer(data, dtype=np.int32, count=4 * n, offset=8).reshape(n, 4)
    if n == 0 or dim == 0:
        return meta, np.zeros((n, dim), dtype=np.float16)
    vectors = np.frombuffer(data, dtype=np.float16, count=n * dim, offset=8 + 16 * n)
    return meta, vectors.reshape(n, dim)


def unpack_segments(data: bytes) -> tuple[list[Segment], npt.NDArray[np.float32]]:
    n, dim = (int(x) for x in np.frombuffer(data[:8], dtype=np.int32))
    meta = np.frombuffer(data[8 : 8 + 16 * n], dtype=np.int32).reshape(n, 4)
    segments = [Segment(int(r[0]), Span(int(r[1]), int(r[2])), bool(r[3])) for r in meta]
    if n == 0 or dim == 0:
        return segments, np.zeros((n, dim), dtype=np.float32)
    vectors = np.frombuffer(data[8 + 16 * n :], dtype=np.float16).reshape(n, dim)
    return segments, vectors.astype(np.float32)
