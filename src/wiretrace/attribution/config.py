"""Settings of the attribution and statements stages (``[attribution]`` in wiretrace.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttributionConfig:
    # Quoted text shorter than this with no cue of its own is a scare quote, not a quotation.
    min_unattributed_words: int = 4
    # Cosine between two quotes' contents (same speaker, different articles) to call them
    # one statement; every two members of a statement must reach it, and their claims
    # must agree (predicates, arguments, figures, negation: ``claims.same_claim``). MiniLM
    # puts rewordings and translations of one sentence above ~0.65 -- and also two claims
    # of one speaker on one topic, which the claims' parts tell apart.
    statement_threshold: float = 0.65
    # At this cosine and above, a rewording may change the predicate and the nouns
    # ("establish every circumstance" / "clarify all the circumstances"): the claims need
    # only not contradict (negation, figures). On PolNeAR train the closest pair of
    # different claims of one speaker was 0.76 ("to support Clinton" / "to hold off on
    # backing Clinton").
    statement_strong: float = 0.8
    # Cosine above which a place-named speaker's quoted words are taken to be another
    # outlet's direct quote of one organisation (then that organisation is the speaker).
    metonymy_threshold: float = 0.8
    # How many sentences back a pronoun may find its speaker.
    pronoun_window: int = 6
