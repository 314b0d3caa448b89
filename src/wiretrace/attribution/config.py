"""Settings of the attribution and statements stages (``[attribution]`` in wiretrace.toml)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttributionConfig:
    # Quoted text shorter than this with no cue of its own is a scare quote, not a quotation.
    min_unattributed_words: int = 4
    # Cosine between two quotes' contents (same speaker, different articles) to call them
    # one statement. MiniLM puts rewordings and translations of one sentence above ~0.65.
    statement_threshold: float = 0.65
    # Cosine above which a place-named speaker's quoted words are taken to be another
    # outlet's direct quote of one organisation (then that organisation is the speaker).
    metonymy_threshold: float = 0.8
    # How many sentences back a pronoun may find its speaker.
    pronoun_window: int = 6
