"""Input-derived text made safe to show: no control characters, bidi controls made visible.

Article text, outlet names, titles, file names and URLs come from whoever wrote the input.
Shown raw, a control character can drive a terminal (ESC sequences clear the screen or set
the window title; a carriage return overwrites what was printed), and an invisible
bidirectional override can make text read differently from what it is (a spoofing risk).
Both are handled here, once, for the command line, the web UI and the report.
"""

from __future__ import annotations

import unicodedata

# Embeddings, overrides and isolates: the controls that reorder the text around them
# ("Trojan Source", CVE-2021-42574). The marks LRM/RLM/ALM only nudge neutral characters
# and are common in genuine right-to-left text, so they are left alone.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_MARKS = {ord(c): f"\u27e8U+{ord(c):04X}\u27e9" for c in BIDI_CONTROLS}
# C0 controls except tab and newline, DEL, and the C1 controls (0x80-0x9f; 0x9b is a
# one-byte CSI on some terminals).
_CONTROLS = {
    c: None for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if chr(c) not in "\t\n"
}


def mark_bidi(text: str) -> str:
    """Each bidi embedding, override or isolate replaced by a visible ``⟨U+202E⟩`` marker."""
    return text.translate(_BIDI_MARKS) if any(c in BIDI_CONTROLS for c in text) else text


def strip_controls(text: str, keep_newlines: bool = True) -> str:
    """``text`` without terminal control characters (tab and, optionally, newline kept)."""
    cleaned = text.translate(_CONTROLS)
    return cleaned if keep_newlines else cleaned.replace("\n", " ")


def bidi_names(text: str) -> list[str]:
    """Names of the bidi controls in ``text``, for messages."""
    return sorted({unicodedata.name(c) for c in text if c in BIDI_CONTROLS})
