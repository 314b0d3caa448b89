"""URLs and feeds over HTTP, against a local server: robots.txt, retries, user agent."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ingest_inputs import BODY, article_page, atom_feed, rss_feed
from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.ingest.config import IngestConfig
from wiretrace.ingest.http import Fetcher, FetchError
from wiretrace.store import Store

RUSSIAN = "Жители покидают город. Власти сообщили, что более тринадцати тысяч человек ушли."


@dataclass
class Site:
    base: str
    hits: list[str] = field(default_factory=list)
    agents: list[str] = field(default_factory=list)
    flaky_left: dict[str, int] = field(default_factory=dict)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots: str = "User-agent: *\nDisallow: /private/\n"

    def url(self, path: str) -> str:
        return self.base + path


def _routes(site: Site) -> dict[str, tuple[int, str, bytes]]:
    html = "text/html; charset=utf-8"
    return {
        "/articles/a.html": (
            200,
            html,
            article_page(title="Page A", url=site.url("/articles/a.html")).encode(),
        ),
        "/articles/b.html": (200, html, article_page(title="Page B", body="Other text.").encode()),
        "/private/secret.html": (200, html, article_page(title="Secret").encode()),
        "/ru.html": (
            200,
            "text/html; charset=windows-1251",
            f"<html><body><p>{RUSSIAN}</p></body></html>".encode("cp1251"),
        ),
        "/plain.txt": (200, "text/plain", BODY.encode()),
        "/image.png": (200, "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        "/feed.rss": (
            200,
            "application/rss+xml",
            rss_feed(
                [
                    {
                        "title": "A from feed",
                        "link": site.url("/articles/a.html"),
                        "author": "Feed Author",
                    },
                    {"title": "B", "link": site.url("/articles/b.html")},
                    {"title": "Secret", "link": site.url("/private/secret.html")},
                    {
                        "title": "Full",
                        "link": site.url("/articles/full.html"),
                        "content": "<p>Carried in full.</p>",
                    },
                ]
            ).encode(),
        ),
        "/slow.rss": (
            200,
            "application/rss+xml",
            rss_feed(
                [{"title": f"Slow {i}", "link": site.url(f"/slow/{i}.html")} for i in range(8)]
            ).encode(),
        ),
        "/atom.xml": (
            200,
            "application/xml",
            atom_feed(
                [
                    {
                        "title": "Atom full",
                        "link": site.url("/articles/atom-full.html"),
                        "content": "<p>Atom body.</p>",
                    },
                ]
            ).encode(),
        ),
    }


@pytest.fixture
def site() -> Iterator[Site]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    state = Site(base=f"http://127.0.0.1:{server.server_address[1]}")
    routes = _routes(state)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.hits.append(self.path)
            state.agents.append(self.headers.get("User-Agent", ""))
            if self.path in state.flaky_left and state.flaky_left[self.path] > 0:
                state.flaky_left[self.path] -= 1
                self.send_response(503)
                self.send_header("Retry-After", "3")
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path.startswith("/moved/"):
                self.send_response(301)
                self.send_header("Location", self.path.removeprefix("/moved"))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif self.path == "/robots.txt":
                self._send(200, "text/plain", state.robots.encode())
            elif self.path.startswith("/slow/"):
                with state.lock:
                    state.in_flight += 1
                    state.max_in_flight = max(state.max_in_flight, state.in_flight)
                time.sleep(0.05)
                with state.lock:
                    state.in_flight -= 1
                self._send(200, "text/html", article_page(title=self.path).encode())
            elif self.path.startswith("/flaky"):
                self._send(200, "text/html", article_page(title="Flaky").encode())
            elif self.path in routes:
                self._send(*routes[self.path])
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status: int, ctype: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server.RequestHandlerClass = Handler
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_config() -> Config:
    return Config(
        sections={
            "ingest": {
                "per_host_delay": 0.0,
                "backoff": 0.01,
                "retries": 2,
                "timeout": 5.0,
                "max_retry_after": 0.05,
            }
        }
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def docs(store: Store) -> dict[str, dict[str, object]]:
    return {r["source"]: dict(r) for r in store.conn.execute("SELECT * FROM documents")}


def test_page_url_is_fetched_with_a_wiretrace_user_agent(
    store: Store, site: Site, http_config: Config
) -> None:
    url = site.url("/articles/a.html")
    report = ingest(store, [url], http_config)
    assert report.ok and report.added == 1
    doc = docs(store)[url]
    assert doc["fmt"] == "html" and doc["title"] == "Page A" and doc["url"] == url
    assert site.hits == ["/robots.txt", "/articles/a.html"]
    assert all(a.startswith("wiretrace/") for a in site.agents)


def test_feed_url_fetches_summaries_honours_robots_and_uses_full_content(
    store: Store, site: Site, http_config: Config
) -> None:
    report = ingest(store, [site.url("/feed.rss")], http_config)
    errors = {e.source: e.message for e in report.errors}
    secret = site.url("/private/secret.html")
    assert list(errors) == [secret] and "robots.txt" in errors[secret]
    assert "/private/secret.html" not in site.hits
    assert "/articles/full.html" not in site.hits
    assert site.hits.count("/robots.txt") == 1
    stored = docs(store)
    a = stored[site.url("/articles/a.html")]
    assert a["title"] == "A from feed" and a["byline"] == "Feed Author"
    assert a["outlet"] == "Wirelink Estravia" and a["published"] == "2025-03-12"
    assert stored[site.url("/articles/full.html")]["content"] == "<p>Carried in full.</p>"
    assert report.added == 3

    site.hits.clear()
    again = ingest(store, [site.url("/feed.rss")], http_config)
    assert again.added == 0 and again.duplicates == 3
    assert "/articles/a.html" not in site.hits and "/articles/b.html" not in site.hits


def test_atom_served_as_generic_xml_is_sniffed(
    store: Store, site: Site, http_config: Config
) -> None:
    assert ingest(store, [site.url("/atom.xml")], http_config).ok
    assert docs(store)[site.url("/articles/atom-full.html")]["content"] == "<p>Atom body.</p>"


def test_server_errors_are_retried(store: Store, site: Site, http_config: Config) -> None:
    site.flaky_left["/flaky.html"] = 2
    report = ingest(store, [site.url("/flaky.html")], http_config)
    assert report.ok and site.hits.count("/flaky.html") == 3
    site.flaky_left["/flaky2.html"] = 5
    failed = ingest(store, [site.url("/flaky2.html")], http_config)
    assert "HTTP 503" in failed.errors[0].message and "after 3 attempts" in failed.errors[0].message


def test_retry_after_is_honoured(site: Site) -> None:
    waits: list[float] = []
    site.flaky_left["/flaky.html"] = 1
    cfg = IngestConfig(per_host_delay=0.0, backoff=0.01, retries=1)
    with Fetcher(cfg, sleep=waits.append) as fetcher:
        got = fetcher.fetch(site.url("/flaky.html"), 1_000_000)
    assert got.status == 200 and waits == [3.0]
    with (
        Fetcher(IngestConfig(per_host_delay=0.0, retries=0), sleep=waits.append) as fetcher,
        pytest.raises(FetchError, match="HTTP 404"),
    ):
        fetcher.fetch(site.url("/nothing"), 1_000_000)


def test_charset_from_the_http_header(store: Store, site: Site, http_config: Config) -> None:
    assert ingest(store, [site.url("/ru.html")], http_config).ok
    assert RUSSIAN in str(docs(store)[site.url("/ru.html")]["content"])


def test_plain_text_and_unsupported_types(store: Store, site: Site, http_config: Config) -> None:
    report = ingest(
        store, [site.url("/plain.txt"), site.url("/image.png"), site.url("/gone.html")], http_config
    )
    errors = {e.source: e.message for e in report.errors}
    assert "unsupported content type 'image/png'" in errors[site.url("/image.png")]
    assert errors[site.url("/gone.html")] == "HTTP 404 Not Found"
    assert docs(store)[site.url("/plain.txt")]["content"] == BODY


def test_unreachable_url_is_reported_and_the_rest_is_stored(
    store: Store, site: Site, http_config: Config, tmp_path: object
) -> None:
    dead = f"http://127.0.0.1:{closed_port()}/article.html"
    report = ingest(store, [dead, site.url("/articles/b.html")], http_config)
    assert [e.source for e in report.errors] == [dead]
    assert "cannot connect" in report.errors[0].message
    assert report.added == 1
    assert store.errors()[0]["source"] == dead


def test_robots_disallowing_everything(store: Store, site: Site, http_config: Config) -> None:
    site.robots = "User-agent: wiretrace\nDisallow: /\n"
    report = ingest(store, [site.url("/articles/a.html")], http_config)
    assert "disallowed by" in report.errors[0].message
    assert site.hits == ["/robots.txt"]


@pytest.mark.parametrize("concurrency", [1, 3])
def test_linked_articles_are_fetched_within_the_concurrency_limit(
    store: Store, site: Site, concurrency: int
) -> None:
    config = Config(sections={"ingest": {"per_host_delay": 0.0, "concurrency": concurrency}})
    report = ingest(store, [site.url("/slow.rss")], config)
    assert report.ok and report.added == 8
    assert 1 <= site.max_in_flight <= concurrency


def test_oversized_response_is_refused_with_its_size(store: Store, site: Site) -> None:
    config = Config(sections={"ingest": {"per_host_delay": 0.0, "max_document_bytes": 500}})
    report = ingest(store, [site.url("/articles/a.html")], config)
    (error,) = report.errors
    assert "over the 500 bytes limit" in error.message and "max_document_bytes" in error.message
    assert store.count("documents") == 0


def test_robots_txt_server_error_means_disallow(
    store: Store, site: Site, http_config: Config
) -> None:
    site.flaky_left["/robots.txt"] = 99
    report = ingest(store, [site.url("/articles/a.html")], http_config)
    assert "robots.txt answered HTTP 503" in report.errors[0].message
    assert "/articles/a.html" not in site.hits


def test_redirects_are_followed_and_each_hop_honours_robots(
    store: Store, site: Site, http_config: Config
) -> None:
    moved, hidden = site.url("/moved/articles/b.html"), site.url("/moved/private/secret.html")
    report = ingest(store, [moved, hidden], http_config)
    assert [e.source for e in report.errors] == [hidden]
    assert "disallowed by" in report.errors[0].message
    assert "/private/secret.html" not in site.hits
    doc = docs(store)[moved]
    assert doc["title"] == "Page B" and doc["url"] == site.url("/articles/b.html")
