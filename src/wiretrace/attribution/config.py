"""Settings of the attribution and statements stages (``[attribution]`` in wiretrace.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttributionConfig:
    # Quoted text shorter than this with no cue of its own is a scare quote, not a quotation.
    min_unattributed_words: int = 4
    # Cosine between two quotes' contents (same speaker, different articles) to call them
    # one statement; every two members of a statement must reach it. MiniLM puts rewordings
    # and translations of one sentence above ~0.65 -- but also two claims of one speaker on
    # one topic: of 40 statements sampled on PolNeAR train, read by hand, the groups whose
    # least similar pair was under 0.75 were mostly different claims (10 of 15).
    statement_threshold: float = 0.65
    # Under this cosine two quotes are one claim only when they also share more than
    # ``statement_shared`` of the shorter one's content words (its names, nouns and verbs,
    # by stem): a rewording keeps what the claim is about, a second claim on the topic not.
    statement_strong: float = 0.75
    statement_shared: float = 0.5
    # Cosine above which a place-named speaker's quoted words are taken to be another
    # outlet's direct quote of one organisation (then that organisation is the speaker).
    metonymy_threshold: float = 0.8
    # How many sentences back a pronoun may find its speaker.
    pronoun_window: int = 6
