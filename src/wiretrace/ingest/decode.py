"""Bytes to text: BOM, declared charset, UTF-8, then charset detection.

Policy for bytes that fit no encoding (documented in the README and tested):

* Input that is UTF-8 apart from a few invalid bytes is refused with the offset of the
  first bad byte, unless ``[ingest] on_decode_error = "replace"``, which keeps the text
  and turns each invalid byte into U+FFFD. Falling back to a legacy code page there would
  silently turn every accented letter into mojibake, so that is never done.
* Input that is not UTF-8 at all is decoded with the legacy encoding charset-normalizer
  finds (Windows-1251, Windows-1252, ...); when no encoding fits, it is refused as
  binary.
"""

from __future__ import annotations

import codecs
from email.message import Message
from html.parser import HTMLParser

from charset_normalizer import CharsetMatch, from_bytes
from lxml.html import defs as html_defs  # type: ignore[import-untyped]

from .config import IngestConfig

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# A declared charset that names a subset of Windows-1252 means Windows-1252 in practice
# (the WHATWG encoding standard makes the same substitution).
_WINDOWS_1252_LABELS = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
_NEAR_TIE = 0.1


class DecodeError(ValueError):
    """The bytes are not text in any encoding we can stand behind."""


def codec_name(label: str) -> str | None:
    """Python's canonical codec name for a charset label, or None when unknown."""
    try:
        return codecs.lookup(label.strip().strip("'\"")).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, cfg: IngestConfig, declared: str | None = None) -> str:
    """Decode ``data``; ``declared`` is a charset the container announced (HTTP, meta)."""
    if not data:
        raise DecodeError("empty file (0 bytes)")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return _strict(data[len(bom) :], codec, f"{codec} (byte-order mark)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise DecodeError(f"binary data, not text (NUL byte at offset {nul})")
    if declared:
        name = codec_name(declared)
        if name in _WINDOWS_1252_LABELS:
            name = "cp1252"
        if name and name != "utf-8":
            try:
                return data.decode(name)
            except UnicodeDecodeError:
                pass  # declarations lie often; the bytes decide
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd")
    valid_multibyte = len(text) - len(text.encode("ascii", "ignore")) - invalid
    if valid_multibyte >= 9 * invalid:
        if cfg.on_decode_error == "replace":
            return text
        raise DecodeError(
            f"invalid UTF-8: byte 0x{data[first_bad]:02x} at offset {first_bad} "
            f"({invalid} invalid byte(s) in otherwise UTF-8 text); fix the file or set "
            '[ingest] on_decode_error = "replace" to keep it with U+FFFD'
        )
    legacy = detect_legacy(data, cfg)
    if legacy is None:
        raise DecodeError("not text in any known encoding (looks like binary data)")
    return legacy


def detect_legacy(data: bytes, cfg: IngestConfig) -> str | None:
    """Decode non-UTF-8 bytes with the most plausible legacy encoding, or None."""
    name = detect_legacy_encoding(data, cfg)
    return None if name is None else data.decode(name)


def detect_legacy_encoding(data: bytes, cfg: IngestConfig) -> str | None:
    """The most plausible legacy encoding for ``data`` (which must decode in it), or None.

    Short texts decode cleanly in several code pages; among candidates whose "chaos" is
    within a small margin of the best, the one earliest in ``preferred_encodings`` wins.
    """
    matches = list(from_bytes(data))
    if not matches:
        return None
    best = min(m.chaos for m in matches)
    preferred = [codec_name(p) for p in cfg.preferred_encodings]

    def rank(item: tuple[int, CharsetMatch]) -> tuple[int, int]:
        pos, match = item
        names = [codec_name(c) for c in match.could_be_from_charset]
        ranks = [preferred.index(n) for n in names if n in preferred]
        return (min(ranks) if ranks else len(preferred), pos)

    near = [(i, m) for i, m in enumerate(matches) if m.chaos <= best + _NEAR_TIE]
    for _, match in sorted(near, key=rank):
        try:
            text = data.decode(match.encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        return None if _looks_binary(text) else match.encoding
    return None


def _strict(data: bytes, codec: str, what: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"invalid {what}: bad byte at offset {exc.start}") from exc


def _looks_binary(text: str) -> bool:
    controls = sum(1 for c in text[:65536] if ord(c) < 32 and c not in "\t\n\r\f\v")
    return controls > max(8, len(text[:65536]) // 100)


def normalise_newlines(text: str) -> str:
    """One newline convention, so a file copied between systems hashes the same."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def charset_from_content_type(value: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type header value."""
    if not value:
        return None
    msg = Message()
    msg["content-type"] = value
    charset = msg.get_param("charset")
    return charset if isinstance(charset, str) else None


def mime_type(value: str | None) -> str:
    if not value:
        return ""
    msg = Message()
    msg["content-type"] = value
    return msg.get_content_type()


class _MetaCharset(HTMLParser):
    """Finds ``<meta charset>`` or its http-equiv form in the head of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset:
            return
        values = {k.lower(): v or "" for k, v in attrs}
        if values.get("charset"):
            self.charset = values["charset"]
        elif values.get("http-equiv", "").lower() == "content-type":
            self.charset = charset_from_content_type(values.get("content", ""))


def html_declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KiB (where the standard says it must be)."""
    parser = _MetaCharset()
    parser.feed(data[:4096].decode("latin-1"))
    return parser.charset


class _FirstTag(HTMLParser):
    """Records the first element name of a markup document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tag: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.tag is None:
            self.tag = tag


FEED_ROOTS = frozenset({"rss", "feed", "rdf:rdf", "rdf"})


def sniff_markup(data: bytes) -> str:
    """What a markup file is by its first element: ``"feed"`` (RSS/Atom/RDF root),
    ``"html"`` (an HTML element), ``"xml"`` (any other element) or ``"text"`` (none)."""
    head = data[:8192]
    for bom, _ in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    parser = _FirstTag()
    parser.feed(head.decode("utf-8", "replace"))
    if parser.tag is None:
        return "text"
    if parser.tag in FEED_ROOTS:
        return "feed"
    return "html" if parser.tag in html_defs.tags else "xml"
