"""Settings of the ``reuse`` stage (section ``[reuse]`` of wiretrace.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReuseConfig:
    # Candidate generation: MinHash LSH over word shingles of overlapping windows, so a
    # passage shared by two long articles still collides although whole-text Jaccard is low.
    shingle: int = 4
    window: int = 20  # shingles per window; windows overlap by half
    num_perm: int = 64
    bands: int = 21
    rows: int = 3
    max_bucket: int = 50  # buckets larger than this are common text, not reuse
    seed: int = 1
    # Verbatim / near-verbatim alignment.
    seed_ngram: int = 3
    max_gap: int = 12  # tokens of edits tolerated inside one passage
    min_words: int = 12  # shorter shared runs are common phrases, names, dates
    min_coverage: float = 0.65  # share of the passage's tokens covered by exact seeds
    max_seed_repeats: int = 3
    # Pieces of one passage (split by dense edits or an inserted sentence) join when the text
    # between them is at most this share of their combined length, on each side (0: never).
    # Direction is decided on the pieces (``align.pieces``), so joining never turns a pair.
    merge_gap: float = 0.25
    # Paraphrase alignment on stored sentence embeddings. Articles on one topic share
    # similar sentences without copying, so a sentence match counts only when it stands
    # out from the article's background: how similar its sentences are to those of its
    # nearest same-topic articles (median over them), plus ``margin``.
    paraphrase: bool = True
    sim: float = 0.7  # sentence pair threshold
    margin: float = 0.1  # above the background similarity of both sentences
    background_neighbours: int = 8  # same-topic articles that set a sentence's background
    background_prior: float = 0.5  # background when fewer than 3 neighbours exist
    gap_sim: float = 0.4  # sentence between two anchors on both sides
    relaxed_sim: float = 0.65  # further in-order matches once a pair is established
    split_sim: float = 0.3  # a neighbour absorbed when it balances a split sentence
    # Evidence a pair needs (a single similar sentence is never enough): ``min_chain``
    # standing-out matches in order; or two that share rare specifics (names, numbers
    # found in few articles), a rare number among them; or one reworded sentence carrying
    # ``min_facts`` of them, a rare number among them (names alone are who the story is about).
    min_chain: int = 3
    min_facts: int = 3
    fact_sim: float = 0.8  # the single-sentence case needs this similarity too
    rare_share: float = 0.05  # a token is rare in at most this share of articles (or 2)
    min_sentence_words: int = 5
    doc_neighbours: int = 20  # paraphrase candidates per article besides LSH candidates
    doc_sim: float = 0.5  # centroid cosine a paraphrase candidate pair needs
    sentence_neighbours: int = 3  # nearest sentences of other articles taken per sentence
    # Quotes: a passage whose shared words outside quotation marks are fewer than
    # ``min_words`` is a shared quote (kind ``quote``), reported but not evidence of copying;
    # a sentence mostly inside quotation marks is no paraphrase evidence.
    quote_share: float = 0.5
    # Provenance.
    duplicate_coverage: float = 0.8  # both sides covered this much: near-duplicate articles
    unsourced_min_words: int = 30
    unsourced_min_sentences: int = 2
