"""Settings of the ``clean`` stage (section ``[clean]`` of the configuration file)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CleanConfig:
    # A line recurring in this many articles of one outlet is a boilerplate candidate.
    min_repeat_docs: int = 2
    # Insert the missing space in "fear.There" (see normalise.fix_sentence_spacing).
    fix_sentence_spacing: bool = True
    # Documents analysed per batch (one transaction, one spaCy batch). The spaCy model is
    # the one named in [nlp].
    batch_size: int = 128
    # HTML: also keep what the extractor dropped (menus, footers) as removed pieces. Off by
    # default: it walks the whole page a second time and labels every line of chrome.
    keep_html_chrome: bool = False
