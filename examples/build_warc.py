"""Rebuild examples/corpus/dailybriefhub.warc.gz from the HTML pages in examples/warc-src/.

The demo corpus ships a small web archive so that WARC ingest is exercised on real records:
three HTML responses (the pages below), one image response that ingest must skip, and the
warcinfo and request records a crawler writes. Record ids and dates are fixed, so rebuilding
from unchanged pages gives a byte-identical file.

Usage: python examples/build_warc.py
"""

from __future__ import annotations

import struct
import uuid
import zlib
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "warc-src"
TARGET = HERE / "corpus" / "dailybriefhub.warc.gz"
SITE = "https://dailybriefhub.example"

# (page file, URL it was crawled from, crawl time)
PAGES: list[tuple[str, str, str]] = [
    ("sleep-habits.html", f"{SITE}/health/sleep-habits", "2025-03-15T06:02:11Z"),
    ("dam-victims-named.html", f"{SITE}/world/sarn-valley-dam-victims", "2025-03-15T06:02:14Z"),
    ("inquiry-ordered.html", f"{SITE}/world/estravia-dam-probe", "2025-03-15T06:02:19Z"),
]
LOGO_URL = f"{SITE}/static/logo.png"
LOGO_DATE = "2025-03-15T06:02:20Z"


def _record_id(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, name)}>"


def _tiny_png() -> bytes:
    """A valid 1x1 PNG, so the non-HTML record is a real image rather than filler bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xc0\x20\x20")
    signature = b"\x89PNG\r\n\x1a\n"
    return signature + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _response(writer: WARCWriter, url: str, date: str, body: bytes, content_type: str) -> None:
    request = writer.create_warc_record(
        url,
        "request",
        payload=BytesIO(
            f"GET {url.removeprefix(SITE)} HTTP/1.1\r\nHost: dailybriefhub.example\r\n"
            "User-Agent: demo-crawler/1.0\r\n\r\n".encode("ascii")
        ),
        warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": _record_id("request " + url)},
    )
    http = StatusAndHeaders(
        "200 OK",
        [("Content-Type", content_type), ("Content-Length", str(len(body)))],
        protocol="HTTP/1.1",
    )
    response = writer.create_warc_record(
        url,
        "response",
        payload=BytesIO(body),
        http_headers=http,
        warc_headers_dict={"WARC-Date": date, "WARC-Record-ID": _record_id("response " + url)},
    )
    writer.write_record(request)
    writer.write_record(response)


def build(target: Path = TARGET) -> Path:
    with target.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        fields = {"software": "wiretrace demo corpus builder", "format": "WARC File Format 1.0"}
        info = writer.create_warcinfo_record(TARGET.name, fields)
        info.rec_headers.replace_header("WARC-Date", "2025-03-15T06:02:10Z")
        info.rec_headers.replace_header("WARC-Record-ID", _record_id("warcinfo " + TARGET.name))
        writer.write_record(info)
        for name, url, date in PAGES:
            body = (SOURCE_DIR / name).read_bytes()
            _response(writer, url, date, body, "text/html; charset=utf-8")
        _response(writer, LOGO_URL, LOGO_DATE, _tiny_png(), "image/png")
    return target


if __name__ == "__main__":
    print(build())
