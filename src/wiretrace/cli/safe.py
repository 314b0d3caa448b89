"""The one helper through which the command line prints text that came from input.

Rich reads ``[...]`` in printed strings as markup: a file name, URL, feed link or outlet
name holding ``[/x]`` would crash the command (``MarkupError``), and ``[link=...]`` would
turn into a clickable terminal link. Control characters would reach the terminal as
escape sequences. ``literal`` makes any such value print as exactly what it is.
"""

from __future__ import annotations

import json
import re
import sys

from ..display import BIDI_CONTROLS, mark_bidi, strip_controls

# Rich reads "[" followed by this as a tag; any other "[" is plain text, where Rich turns
# each "\\[" into "[" (rich.markup.render). rich.markup.escape covers only the first case,
# so "Evil \\[" printed as "Evil [".
_TAG = re.compile(r"\[[a-z#/@][^[]*?]")
_BRACKET = re.compile(r"(\\*)\[")


def _escape_bracket(match: re.Match[str]) -> str:
    backslashes = match.group(1)
    if _TAG.match(match.string, match.end() - 1):
        return backslashes * 2 + "\\["  # literal backslashes, then an escaped tag
    return backslashes + ("\\" if backslashes else "") + "["  # one backslash is eaten


def literal(value: object, keep_newlines: bool = True) -> str:
    """``value`` as Rich markup that prints exactly as the text (no tag, no link), with no
    control characters and bidi controls shown as markers. Put it in an f-string passed to
    ``print``; a markup tag must not follow it directly (a trailing backslash would
    escape that tag)."""
    return _BRACKET.sub(_escape_bracket, mark_bidi(strip_controls(str(value), keep_newlines)))


# Inside JSON strings these may stand as ``\uXXXX`` with the same meaning; json.dumps
# already escapes C0 controls, but not DEL, the C1 controls or bidi controls.
_JSON_ESCAPES = {c: f"\\u{c:04x}" for c in (0x7F, *range(0x80, 0xA0))} | {
    ord(c): f"\\u{ord(c):04x}" for c in BIDI_CONTROLS
}


def json_text(data: object, indent: int | None = 2) -> str:
    """``data`` as JSON that reads the same to a parser and cannot drive a terminal."""
    return json.dumps(data, ensure_ascii=False, indent=indent).translate(_JSON_ESCAPES)


def print_json(data: object) -> None:
    """Machine-readable output on stdout (never through Rich, so nothing is re-rendered)."""
    sys.stdout.write(json_text(data) + "\n")
    sys.stdout.flush()
