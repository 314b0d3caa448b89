"""Bytes to text: BOM, declared charset, UTF-8, then charset detection.

Policy for bytes that fit no encoding (documented in the README and tested):

* Input that is UTF-8 apart from a few invalid bytes is refused with the offset of the
  first bad byte, unless ``[ingest] on_decode_error = "replace"``, which keeps the text
  and turns each invalid byte into U+FFFD. Falling back to a legacy code page there would
  silently turn every accented letter into mojibake, so that is never done.
* Input that is not UTF-8 at all is decoded with the legacy encoding charset-normalizer
  finds (Windows-1251, Windows-1252, ...), but only when that reading is convincing:
  nearly every non-ASCII character it gives must be a letter inside a word or common
  typographic punctuation (quotes, dashes, guillemets, €). Mostly-ASCII text with a few
  stray bytes gives no such evidence (a stray byte read as cp1252 is a stray "ÿ" or "¤"),
  so it is refused like invalid UTF-8 instead of stored as mojibake.
* UTF-16 without a byte-order mark is recognised by its NUL bytes alternating with text.
"""

from __future__ import annotations

import codecs
import contextlib
import unicodedata
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
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
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
    if legacy is not None:
        return legacy
    if invalid * 20 <= len(text) and not _looks_binary(text):
        # Text, mostly ASCII, with bytes no encoding explains convincingly.
        if cfg.on_decode_error == "replace":
            return text
        raise DecodeError(
            f"invalid UTF-8: byte 0x{data[first_bad]:02x} at offset {first_bad} "
            f"({invalid} invalid byte(s)), and no legacy encoding reads them as text with "
            "confidence; convert the file to UTF-8, or set [ingest] on_decode_error = "
            '"replace" to keep it with U+FFFD'
        )
    raise DecodeError("not text in any known encoding (looks like binary data)")


def detect_legacy(data: bytes, cfg: IngestConfig) -> str | None:
    """Decode non-UTF-8 bytes with the most plausible legacy encoding, or None."""
    name = detect_legacy_encoding(data, cfg)
    return None if name is None else data.decode(name)


def detect_legacy_encoding(data: bytes, cfg: IngestConfig) -> str | None:
    """The most plausible legacy encoding for ``data`` (which must decode in it), or None
    when no reading is convincing (see ``convincing`` and ``damaged_utf8``).

    Short texts decode cleanly in several code pages; among candidates whose "chaos" is
    within a small margin of the best, the one earliest in ``preferred_encodings`` wins.
    """
    if damaged_utf8(data):
        return None
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
    tried = 0
    for item in sorted(near, key=rank):
        if tried and rank(item)[0] == len(preferred):
            # Past the preferred encodings, a reading found by trying obscure code pages
            # until one shows a few bytes as letters is no evidence at all.
            break
        try:
            text = data.decode(item[1].encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_binary(text):
            continue
        if convincing(text):
            return item[1].encoding
        tried += 1
    return None


# Non-letters a legacy code page is commonly used for in running text.
_TYPOGRAPHIC = frozenset("‘’‚“”„«»‹›–—…•·€£¥¢°§©®™±×÷\u00a0\u00ad")
# Accented letters that are words on their own (French à, Italian è, Spanish ó ...).
_LETTER_WORDS = frozenset("àèéìòóùÀÈÉ")
_CONVINCING = 0.9


def _script(c: str) -> str:
    """A letter's script, East Asian scripts taken as one (Japanese mixes them)."""
    name = unicodedata.name(c, "")
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "HALFWIDTH", "FULLWIDTH", "BOPOMOFO"):
        return "EAST-ASIAN"
    return first


def convincing(text: str) -> bool:
    """Whether the non-ASCII characters of a legacy decoding look like text, for at least
    90 % of them (all of them when there are fewer than ten).

    Plausible: typographic punctuation; a letter inside a word of its own script (é in
    "réfugié", ň in "kůň", every letter of a Cyrillic word), or a one-letter word such as
    French "à". Not plausible: a symbol where a stray byte landed, a lone letter between
    spaces, a capital after a small letter ("cafÃ", a cut UTF-8 lead byte), or another
    script glued to ASCII letters ("weЃЌre").
    """
    total = plausible = 0
    for i, c in enumerate(text):
        if c < "\x80":
            continue
        total += 1
        if c in _TYPOGRAPHIC:
            plausible += 1
            continue
        if unicodedata.category(c)[0] not in "LM":
            continue
        before = text[i - 1] if i > 0 else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        script = _script(c)
        if script == "LATIN":
            beside = any(
                n.isalpha() and (n.isascii() or _script(n) == "LATIN") for n in (before, after)
            )
            alone = c in _LETTER_WORDS and not before.isalpha() and not after.isalpha()
            odd_case = c.isupper() and before.islower()
            plausible += (beside or alone) and not odd_case
        else:
            glued = any(n.isascii() and n.isalpha() for n in (before, after))
            kin = any(
                n.isalpha() and not n.isascii() and _script(n) == script for n in (before, after)
            )
            plausible += kin and not glued
    if total == 0:
        return True
    return plausible == total if total < 10 else plausible >= _CONVINCING * total


def damaged_utf8(data: bytes) -> bool:
    """Whether the invalid bytes look like UTF-8 sequences cut short (a lead byte followed
    by continuation bytes, then broken) rather than text in a legacy code page: true when
    at least half of the runs of invalid bytes are such cut sequences."""
    text = data.decode("utf-8", "surrogateescape")
    runs = cut = 0
    previous = -2
    for i, c in enumerate(text):
        if not "\udc80" <= c <= "\udcff":
            continue
        byte = ord(c) - 0xDC00
        if i != previous + 1:
            runs += 1
        elif 0x80 <= byte <= 0xBF and 0xC2 <= ord(text[i - 1]) - 0xDC00 <= 0xF4:
            cut += 1
        previous = i
    return cut > 0 and cut * 2 >= runs


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a byte-order mark (mostly Latin script: every other byte NUL)."""
    if len(data) < 4 or len(data) % 2:
        return None
    sample = data[:65536]
    even, odd = sample[0::2], sample[1::2]
    pairs = len(sample) // 2
    if odd.count(0) * 3 >= pairs and not even.count(0):
        codec = "utf-16-le"
    elif even.count(0) * 3 >= pairs and not odd.count(0):
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    return None if _looks_binary(text) else text


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
    _feed(parser, data[:4096].decode("latin-1"))
    return parser.charset


def _feed(parser: HTMLParser, text: str) -> None:
    """Feed ``text``, keeping what was found before a declaration the parser chokes on
    (Python's html.parser raises AssertionError on ``<![CDAT@[`` and the like)."""
    with contextlib.suppress(AssertionError):
        parser.feed(text)


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
    _feed(parser, head.decode("utf-8", "replace"))
    if parser.tag is None:
        return "text"
    if parser.tag in FEED_ROOTS:
        return "feed"
    return "html" if parser.tag in html_defs.tags else "xml"
