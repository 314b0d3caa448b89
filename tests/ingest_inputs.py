"""Realistic inputs the ingest tests write themselves (pages, exports, feeds, archives)."""

from __future__ import annotations

import io
import json
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

BODY = (
    "Engineers at the Korrin reservoir said on Tuesday that the eastern wall had moved "
    "four centimetres overnight, and the regional authority ordered the evacuation of "
    "three villages downstream.\n\n"
    "\u201cWe are not taking chances with people\u2019s lives,\u201d said Mara Ilves, who "
    "heads the authority. About 2,300 residents were moved to schools in Osk by evening."
)


def article_page(
    title: str = "Reservoir wall moves, villages evacuated",
    body: str = BODY,
    author: str = "Ines Carrow",
    published: str = "2025-03-12T09:30:00+00:00",
    site: str = "Sarn Valley Courier",
    url: str = "https://courier.example/news/reservoir-wall",
    charset: str = "utf-8",
) -> str:
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="{charset}">
<title>{title} | {site}</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="{site}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{published}">
<link rel="canonical" href="{url}">
</head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/subscribe">Subscribe</a></li></ul></nav>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author}</p>
{paragraphs}
</article></main>
<footer><p>&copy; 2025 {site}. All rights reserved.</p>
<p><a href="/privacy">Privacy</a> · <a href="/contact">Contact us</a></p></footer>
</body>
</html>
"""


def jsonl_export(
    path: Path, records: list[dict[str, object]], extra_lines: dict[int, str] | None = None
) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for index, raw in sorted((extra_lines or {}).items()):
        lines.insert(index, raw)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def warc_archive(
    path: Path, pages: list[tuple[str, str]], gz: bool = True, extra_non_html: bool = True
) -> bytes:
    """A WARC with one HTML response per (url, html) plus request and image records."""
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    for i, (url, html) in enumerate(pages):
        request = writer.create_warc_record(
            url,
            "request",
            payload=io.BytesIO(b""),
            http_headers=StatusAndHeaders(
                f"GET {url} HTTP/1.1", [("Host", "x")], is_http_request=True
            ),
        )
        writer.write_record(request)
        headers = StatusAndHeaders(
            "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
        )
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(html.encode("utf-8")),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": f"2025-03-1{i % 10}T12:00:00Z"},
        )
        writer.write_record(record)
        if extra_non_html:
            image = writer.create_warc_record(
                url + "/logo.png",
                "response",
                payload=io.BytesIO(b"\x89PNG\r\n\x1a\n" * 20),
                http_headers=StatusAndHeaders(
                    "200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1"
                ),
            )
            writer.write_record(image)
    data = buf.getvalue()
    path.write_bytes(data)
    return data


def rss_feed(items: list[dict[str, str]], title: str = "Wirelink Estravia") -> str:
    """RSS 2.0; an item with "content" carries it as content:encoded, else only a summary."""
    parts = []
    for item in items:
        content = (
            f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>"
            if "content" in item
            else ""
        )
        parts.append(f"""<item>
<title>{item["title"]}</title>
<link>{item["link"]}</link>
<guid>{item["link"]}</guid>
<dc:creator>{item.get("author", "Lena Sorvik")}</dc:creator>
<pubDate>{item.get("date", "Wed, 12 Mar 2025 08:00:00 GMT")}</pubDate>
<description>{item.get("summary", "A short summary.")}</description>
{content}
</item>""")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{title}</title>
<link>https://wirelink.example/</link>
<description>Wire copy</description>
{"".join(parts)}
</channel>
</rss>
"""


def atom_feed(entries: list[dict[str, str]], title: str = "Northline Dispatch") -> str:
    parts = []
    for e in entries:
        body = (
            f'<content type="html"><![CDATA[{e["content"]}]]></content>'
            if "content" in e
            else f"<summary>{e.get('summary', 'Summary.')}</summary>"
        )
        parts.append(f"""<entry>
<title>{e["title"]}</title>
<link rel="alternate" href="{e["link"]}"/>
<id>{e["link"]}</id>
<updated>{e.get("date", "2025-03-14T10:00:00Z")}</updated>
<author><name>{e.get("author", "Aino Kask")}</name></author>
{body}
</entry>""")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{title}</title>
<id>https://northline.example/</id>
<updated>2025-03-15T00:00:00Z</updated>
{"".join(parts)}
</feed>
"""
