"""Fuzzing harness: every reader and the cleaner's front half on generated hostile input.

Each reader must turn any bytes into documents and named errors, never raise, hang or
return something that breaks the store. Inputs are built from the formats' own skeletons
(JSON records, CSV rows, WARC records, RSS/Atom items, HTML tag soup) with random fields,
markup, control characters, odd encodings and truncation, so the search reaches deep paths
rather than stopping at the first parse error.

CI runs a bounded number of examples (``FUZZ_EXAMPLES``, a few seconds in all); a longer
run is one environment variable away::

    WIRETRACE_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz_readers.py -q

Every crash found becomes an ``@example`` on the test that found it (see REGRESSIONS).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wiretrace.clean.config import CleanConfig
from wiretrace.clean.stage import source_text
from wiretrace.ingest import storable
from wiretrace.ingest.base import Item, Notice, ReadContext, Skipped
from wiretrace.ingest.config import IngestConfig
from wiretrace.ingest.decode import DecodeError, decode_bytes, sniff_markup
from wiretrace.ingest.feeds import feed_items
from wiretrace.ingest.http import Fetcher
from wiretrace.ingest.pages import read_html_file
from wiretrace.ingest.records import read_csv, read_jsonl
from wiretrace.ingest.sources import Source, read_source
from wiretrace.ingest.text import read_text_file
from wiretrace.ingest.warc import read_warc
from wiretrace.models import IngestError, RawDocument

FUZZ_EXAMPLES = int(os.environ.get("WIRETRACE_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- building blocks ---------------------------------------------------------------------

HOSTILE_PIECES = [
    "[/x]",
    "[link=https://evil.example/]",
    "\x1b[2J",
    "\u202e",
    "\x00",
    "\ufeff",
    "\ud7ff",
    "<script>alert(1)</script>",
    "]]>",
    "&#0;",
    "&#xD800;",
    "&nbsp;",
    "&bogus;",
    "<!--",
    "<![CDATA[",
    '"',
    "'",
    "\r",
    "\\",
    "\u2028",
    "é",
    "Жители",
    "中文",
]
TEXT = st.one_of(
    st.sampled_from(HOSTILE_PIECES),
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x7F), max_size=80),
).map(str)
WORDS = st.lists(TEXT, max_size=6).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-16-le", "cp1252", "cp1251", "latin-1"])


def _encode(text: str, encoding: str) -> bytes:
    return (
        text.encode(encoding, "replace")
        if encoding != "utf-8"
        else text.encode("utf-8", "surrogatepass")
    )


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` as is, cut short, or with a few bytes flipped, inserted or dropped."""
    how = draw(st.sampled_from(["keep", "cut", "flip", "insert", "drop"]))
    if not data or how == "keep":
        return data
    at = draw(st.integers(0, len(data) - 1))
    if how == "cut":
        return data[:at]
    if how == "flip":
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    if how == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data[:at] + data[at + draw(st.integers(1, 16)) :]


def _mutate(strategy: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return strategy.flatmap(mutated)


# -- format skeletons ----------------------------------------------------------------------

FIELD_NAMES = st.sampled_from(
    [
        *("text", "body", "content", "html", "raw_html", "url", "link", "outlet", "site"),
        *("title", "headline", "published", "date", "byline", "author", "authors", "", "x"),
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def jsonl_bytes(draw: st.DrawFn) -> bytes:
    lines: list[bytes] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["record", "record", "json", "garbage", "blank"]))
        if kind == "record":
            record = draw(st.dictionaries(FIELD_NAMES, JSON_VALUES | WORDS, max_size=5))
            line = json.dumps(record, ensure_ascii=draw(st.booleans())).encode(
                "utf-8", "surrogatepass"
            )
        elif kind == "json":
            line = json.dumps(draw(JSON_VALUES)).encode("utf-8", "surrogatepass")
        elif kind == "garbage":
            line = draw(st.binary(max_size=40))
        else:
            line = b"   "
        lines.append(line)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    return draw(mutated(ending.join(lines)))


@st.composite
def csv_bytes(draw: st.DrawFn) -> bytes:
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    header = draw(st.lists(FIELD_NAMES, min_size=1, max_size=5))
    rows = [sep.join(header)]
    for _ in range(draw(st.integers(0, 4))):
        cells = []
        for _ in range(draw(st.integers(0, len(header) + 1))):
            cell = draw(WORDS)
            if draw(st.booleans()):
                cell = '"' + cell.replace('"', '""') + '"'
            cells.append(cell)
        rows.append(sep.join(cells))
    text = draw(st.sampled_from(["\n", "\r\n"])).join(rows)
    return draw(mutated(_encode(text, draw(ENCODINGS))))


def _html(draw: st.DrawFn) -> str:
    tags = [
        "p",
        "div",
        "article",
        "script",
        "style",
        "title",
        "meta",
        "h1",
        "a",
        "br",
        "nav",
        "figure",
    ]
    parts = ["<!DOCTYPE html>"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 8))):
        tag = draw(st.sampled_from(tags))
        attrs = draw(
            st.sampled_from(
                [
                    "",
                    ' charset="'
                    + draw(st.sampled_from(["utf-8", "windows-1251", "bogus", ""]))
                    + '"',
                    ' property="og:title" content="' + draw(WORDS).replace('"', "") + '"',
                    ' name="author" content="x"',
                    ' href="javascript:alert(1)"',
                ]
            )
        )
        close = draw(st.booleans())
        parts.append(f"<{tag}{attrs}>{draw(WORDS)}" + (f"</{tag}>" if close else ""))
    return "".join(parts)


@st.composite
def html_bytes(draw: st.DrawFn) -> bytes:
    return draw(mutated(_encode(_html(draw), draw(ENCODINGS))))


@st.composite
def feed_bytes(draw: st.DrawFn) -> bytes:
    atom = draw(st.booleans())
    items = []
    for i in range(draw(st.integers(0, 4))):
        title, link, body = draw(WORDS), draw(WORDS), draw(WORDS)
        content = draw(st.sampled_from(["", f"<![CDATA[{body}]]>", body]))
        if atom:
            items.append(
                f'<entry><title>{title}</title><link href="{link}"/><id>{i}</id>'
                + (f'<content type="html">{content}</content>' if content else "")
                + f"<summary>{body}</summary></entry>"
            )
        else:
            items.append(
                f"<item><title>{title}</title><link>{link}</link>"
                + (f"<content:encoded>{content}</content:encoded>" if content else "")
                + f"<description>{body}</description><pubDate>{draw(WORDS)}</pubDate></item>"
            )
    if atom:
        doc = (
            '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{draw(WORDS)}</title>{''.join(items)}</feed>"
        )
    else:
        doc = (
            '<?xml version="1.0"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
            f"<title>{draw(WORDS)}</title>{''.join(items)}</channel></rss>"
        )
    return draw(mutated(_encode(doc, draw(ENCODINGS))))


@st.composite
def warc_bytes(draw: st.DrawFn) -> bytes:
    """A WARC written by warcio; record ids fixed so that the same draws give the same bytes."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=draw(st.booleans()))
    for number in range(draw(st.integers(0, 3))):
        uri = draw(
            st.sampled_from(["https://a.example/x", "", "not a uri", "https://b.example/[/x]"])
        )
        content_type = draw(
            st.sampled_from(
                ["text/html; charset=utf-8", "text/html; charset=bogus", "image/png", ""]
            )
        )
        status = draw(st.sampled_from(["200 OK", "404 Not Found", "301 Moved"]))
        payload = _encode(_html(draw), draw(ENCODINGS))
        record = writer.create_warc_record(
            uri,
            draw(st.sampled_from(["response", "resource", "request", "metadata"])),
            payload=io.BytesIO(payload),
            http_headers=StatusAndHeaders(
                status, [("Content-Type", content_type)], protocol="HTTP/1.1"
            ),
            warc_headers_dict={
                "WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{number:012d}>",
                "WARC-Date": draw(st.sampled_from(["2025-03-12T12:00:00Z", "garbage", ""])),
            },
        )
        writer.write_record(record)
    return draw(mutated(buf.getvalue()))


# -- running readers -------------------------------------------------------------------------


def _offline_context(cfg: IngestConfig) -> ReadContext:
    """Linked pages answer 404 from a mock transport: fuzzing never touches the network."""

    def make() -> Fetcher:
        return Fetcher(cfg, transport=httpx.MockTransport(lambda _request: httpx.Response(404)))

    return ReadContext(cfg, _make_fetcher=make)


CFG = IngestConfig(retries=0, per_host_delay=0.0, max_document_bytes=1 << 20)


def _read(
    reader: Callable[[Path, ReadContext], Iterator[Item]], data: bytes, suffix: str
) -> list[Item]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        ctx = _offline_context(CFG)
        try:
            return list(reader(path, ctx))
        finally:
            ctx.close()


def _check(items: list[Item]) -> None:
    """What every reader promises, with the writer's Unicode check (``storable``) that
    every document passes before the store: documents the store can hold, named errors."""
    for item in items:
        if isinstance(item, RawDocument):
            item = storable(item, replace_invalid=False)
        assert isinstance(item, RawDocument | IngestError | Skipped | Notice), item
        if isinstance(item, RawDocument):
            assert isinstance(item.content, str) and item.content.strip()
            assert item.fmt in ("text", "html")
            assert item.source
            item.content.encode("utf-8")  # no lone surrogates: SQLite must store it
            for value in (item.title, item.outlet, item.byline, item.published, item.url):
                assert value is None or isinstance(value, str)
        elif isinstance(item, IngestError | Notice):
            assert item.message and isinstance(item.message, str)


# Crashes the fuzzer found, kept as fixed examples (input that once raised, and why).
REGRESSIONS: dict[str, list[bytes]] = {
    "jsonl": [
        # A JSON "\ud800" escape gave a document with an unpaired surrogate, and SQLite then
        # refused the whole batch; the writer now turns it into an error for that record.
        b'{"text": "said \\ud800 residents"}\n{"text": "a good record"}\n',
        # gzip's magic bytes on a file that is no gzip: the corrupt stream raised
        # BadGzipFile / EOFError from the line reader; now one error naming the file.
        b"\x1f\x8b\n{}\n{}\n   ",
        b"\x1f\x8b",
    ],
    "csv": [b"\x1f\x8btext\nbody\n"],
    "html": [],
    "feed": [
        # feedparser raised UnicodeEncodeError on a character reference to a surrogate;
        # feed_items now reports "a feed the parser cannot read".
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>&#xD800;</title></channel></rss>',
    ],
    "warc": [
        # warcio raised AttributeError on a response record without WARC-Target-URI;
        # read_warc now reports a corrupt record and keeps the records before it.
        b"WARC/1.0\r\nWARC-Date: 2025-03-12T12:00:00Z\r\nWARC-Type: response\r\n"
        b"WARC-Record-ID: <urn:uuid:807811b2-12fb-4e4b-8756-b88e55a6c3dd>\r\n"
        b"Content-Type: application/http; msgtype=response\r\nContent-Length: 59\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\r\n\r\n",
    ],
    "bytes": [
        # Python's html.parser raised AssertionError on a malformed marked section while
        # sniffing the file's first element and reading a page's <meta charset>.
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item>'
        b"<title>a</title><link>https://a.example/</link><description><![CDAT@[x]]>"
        b"</description></item></channel></rss>",
        b"<html><head><![\x00CDATA[x]]><meta charset='utf-8'></head><p>Body.</p></html>",
    ],
}


def _examples(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def apply(test: Callable[..., None]) -> Callable[..., None]:
        for data in REGRESSIONS[kind]:
            test = example(data)(test)
        return test

    return apply


@FUZZ
@given(jsonl_bytes())
@_examples("jsonl")
def test_fuzz_jsonl(data: bytes) -> None:
    _check(_read(read_jsonl, data, ".jsonl"))


@FUZZ
@given(csv_bytes())
@_examples("csv")
def test_fuzz_csv(data: bytes) -> None:
    _check(_read(read_csv, data, ".csv"))


@FUZZ
@given(html_bytes())
@_examples("html")
def test_fuzz_html_page(data: bytes) -> None:
    _check(_read(read_html_file, data, ".html"))


@FUZZ
@given(feed_bytes())
@_examples("feed")
def test_fuzz_feed(data: bytes) -> None:
    _check(_read(lambda p, c: read_source(Source("markup", str(p)), c), data, ".xml"))
    ctx = _offline_context(CFG)
    try:
        _check(list(feed_items(data, "https://feed.example/rss", ctx)))
    finally:
        ctx.close()


@FUZZ
@given(warc_bytes())
@_examples("warc")
def test_fuzz_warc(data: bytes) -> None:
    _check(_read(read_warc, data, ".warc.gz"))


@FUZZ
@given(st.one_of(st.binary(max_size=300), _mutate(html_bytes()), _mutate(feed_bytes())))
@_examples("bytes")
def test_fuzz_sniffed_text_and_decoding(data: bytes) -> None:
    """Unknown bytes through the sniffing path, the text reader and the decoder."""
    _check(_read(lambda p, c: read_source(Source("sniff", str(p)), c), data, ""))
    _check(_read(read_text_file, data, ".txt"))
    assert sniff_markup(data) in ("feed", "html", "xml", "text")
    for mode in ("error", "replace"):
        try:
            text = decode_bytes(data, IngestConfig(on_decode_error=mode))
        except DecodeError as exc:
            assert str(exc)
        else:
            assert isinstance(text, str)
            text.encode("utf-8")


@FUZZ
@given(st.one_of(html_bytes(), feed_bytes()), st.sampled_from(["html", "text"]), st.booleans())
def test_fuzz_cleaner_front_half(data: bytes, fmt: str, markdown: bool) -> None:
    """The cleaner's model-free half: HTML body and chrome extraction, Markdown to text."""
    content = data.decode("utf-8", "replace")
    doc = RawDocument(
        source="in.md" if markdown else "in.txt",
        content=content,
        fmt=fmt,
        url="https://x.example/a",
    )
    source = source_text(doc, CleanConfig())
    assert isinstance(source.text, str)
    for removed in source.chrome:
        assert isinstance(removed.text, str) and removed.kind


@pytest.mark.slow
@settings(max_examples=max(5, FUZZ_EXAMPLES // 5), deadline=None)
@given(
    st.one_of(
        html_bytes(), st.binary(max_size=200).map(lambda b: b.decode("latin-1")).map(str.encode)
    )
)
def test_fuzz_full_cleaner(data: bytes) -> None:
    """Whole-document cleaning with the spaCy pipeline: spans stay inside the clean text."""
    from wiretrace.clean.stage import clean_document
    from wiretrace.nlp import NlpConfig, load_spacy

    nlp = _NLP.setdefault("nlp", load_spacy(NlpConfig().spacy_model))
    doc = RawDocument(source="in.html", content=data.decode("utf-8", "replace"), fmt="html")
    result = clean_document(doc, nlp)
    assert isinstance(result.text, str)
    for removed in result.removed:
        assert isinstance(removed.text, str)


_NLP: dict[str, object] = {}
