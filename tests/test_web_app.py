"""The web app: every page and its JSON twin, empty stores, and the security guarantees."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from conftest import HOSTILE
from wiretrace.read import NotFound, safe_url, valid_id
from wiretrace.store import Store
from wiretrace.web import create_app

LOCAL = "http://127.0.0.1:8000"


@pytest.fixture(scope="module")
def client(web_db: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    db, _ = web_db
    with TestClient(create_app(db, pool_size=2), base_url=LOCAL) as c:
        yield c


def page_paths(ids: dict[str, str]) -> list[str]:
    return [
        "/",
        "/?page=2",
        "/stories",
        f"/stories/{ids['story']}",
        "/articles",
        "/articles?outlet=Harbor+Daily",
        f"/articles/{ids['wire']}",
        f"/articles/{ids['evil']}",
        f"/compare/{ids['wire']}/{ids['copy']}",
        f"/compare/{ids['wire']}/{ids['evil']}",
        "/speakers",
        f"/speakers/{ids['ilse']}",
        f"/speakers/{ids['hostile']}",
        "/statements",
        "/figures",
        "/narratives",
        "/narratives/late-warning",
        "/provenance",
        "/timeline",
        "/search?q=Maren",
        "/search?q=alert",
        "/search?q=%25",
        "/quotes",
        "/quotes?kind=direct&outlet=Harbor+Daily",
        "/reuse",
        "/reuse?kind=verbatim",
        "/hits",
        "/hits?kind=late-warning",
        "/articles?since=2000-01&until=2100",
        f"/articles?story={ids['story']}",
        f"/quotes?speaker={ids['ilse']}",
        "/speakers?kind=person",
        "/figures?kind=ungrouped",
        "/stories?outlet=Harbor+Daily",
    ]


def api_path(path: str) -> str:
    return "/api/overview" + path[1:] if path.startswith("/?") or path == "/" else "/api" + path


class Inspector(HTMLParser):
    """Every element and attribute of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_inert(html: str, allowed_scripts: tuple[str, ...] = ("/static/app.js",)) -> Inspector:
    doc = Inspector()
    doc.feed(html)
    doc.close()
    for tag, attrs in doc.elements:
        assert tag not in ("iframe", "img", "object", "embed"), tag
        if tag == "script":
            assert attrs.get("src") in allowed_scripts, attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action") and value:
                assert value.startswith(("/", "#", "http://", "https://", "file:")), value
                assert urlsplit(value).scheme in ("", "http", "https", "file"), value
    return doc


def test_every_page_renders_with_json_twin(
    client: TestClient, web_db: tuple[Path, dict[str, str]]
) -> None:
    _, ids = web_db
    for path in page_paths(ids):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.headers["content-type"].startswith("text/html")
        assert_inert(page.text)
        api = client.get(api_path(path))
        assert api.status_code == 200, path
        assert api.headers["content-type"].startswith("application/json")
        assert isinstance(api.json(), dict)


def test_article_page_highlights_and_links_to_source(
    client: TestClient, web_db: tuple[Path, dict[str, str]]
) -> None:
    _, ids = web_db
    data = client.get(f"/api/articles/{ids['copy']}").json()
    [link] = data["reuse"]
    assert link["role"] == "taken_from" and link["other"]["id"] == ids["wire"]
    html = client.get(f"/articles/{ids['copy']}").text
    doc = assert_inert(html)
    hrefs = [a.get("href") for t, a in doc.elements if t == "a"]
    assert f"/articles/{ids['wire']}#r{link['id']}-src" in hrefs
    marks = [
        a
        for t, a in doc.elements
        if t == "span" and "k-reuse" in (a.get("class") or "") and "id" in a
    ]
    assert marks and marks[0]["id"] == f"r{link['id']}-dst"
    source = client.get(f"/articles/{ids['wire']}").text
    assert f'id="r{link["id"]}-src"' in source
    for kind in ("k-reused-by", "k-quote", "k-speaker", "k-figure"):
        assert kind in source
    rewrite = client.get(f"/articles/{ids['rewrite']}").text
    assert "k-narrative" in rewrite
    copy = client.get(f"/api/articles/{ids['copy']}").json()
    [(source, share)] = [(x["source"], x["share"]) for x in copy["sources"]]
    assert source == ids["wire"] and 0.3 < share < 0.7
    assert f"{share:.0%} from" in html
    articles = {ids[n] for n in ("wire", "copy", "rewrite", "evil")}
    assert {m["id"] for m in copy["same_story"]} == articles - {ids["copy"]}
    claims = client.get("/api/narratives").json()["claims"]
    assert claims and all(len(c["members"]) >= 2 for c in claims)


def test_compare_numbers_pairs_on_both_sides(
    client: TestClient, web_db: tuple[Path, dict[str, str]]
) -> None:
    _, ids = web_db
    data = client.get(f"/api/compare/{ids['wire']}/{ids['copy']}").json()
    assert [(p["n"], p["direction"]) for p in data["pairs"]] == [(1, "a→b")]
    back = client.get(f"/api/compare/{ids['copy']}/{ids['wire']}").json()
    assert [(p["n"], p["direction"]) for p in back["pairs"]] == [(1, "b→a")]
    html = client.get(f"/compare/{ids['wire']}/{ids['copy']}").text
    assert 'id="pa1"' in html and 'id="pb1"' in html
    assert 'href="#pb1"' in html and 'href="#pa1"' in html
    redirect = client.get(f"/compare?a={ids['wire']}&b={ids['copy']}", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == f"/compare/{ids['wire']}/{ids['copy']}"


def test_story_shares_and_pairs(client: TestClient, web_db: tuple[Path, dict[str, str]]) -> None:
    _, ids = web_db
    data = client.get(f"/api/stories/{ids['story']}").json()
    articles = {ids[n] for n in ("wire", "copy", "rewrite", "evil")}
    assert {a["id"] for a in data["articles"]} == articles
    shares = {a["id"]: a["shared"] for a in data["articles"]}
    assert 0 < shares[ids["copy"]] < 1
    pairs = {(p["source"], p["derived"]) for p in data["pairs"]}
    assert {(ids["wire"], ids["copy"]), (ids["wire"], ids["evil"])} <= pairs
    assert all(source == ids["wire"] for source, _ in pairs)  # the wire story is the source
    unique = {a["id"]: [u["text"] for u in a["unique"]] for a in data["articles"]}
    assert (
        "Shop owners on Quay Street said the water rose faster than in 2019." in unique[ids["copy"]]
    )
    assert all("river port of Maren" not in u for u in unique[ids["copy"]])
    assert "update" in {f["relation"] for f in data["figures"]}
    threads = [{a["id"] for a in t["articles"]} for t in data["threads"]]
    assert len(threads) >= 2 and set().union(*threads) == articles
    assert sum(len(t) for t in threads) == len(articles)
    assert "<h2>Threads</h2>" in client.get(f"/stories/{ids['story']}").text


def test_security_headers_on_every_response(client: TestClient) -> None:
    for path in ("/", "/api/overview", "/static/style.css", "/no/such/page", "/articles/xyz"):
        response = client.get(path)
        csp = response.headers["content-security-policy"]
        for directive in (
            "default-src 'self'",
            "script-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_hostile_text_is_escaped_in_html_and_json(
    client: TestClient, web_db: tuple[Path, dict[str, str]]
) -> None:
    _, ids = web_db
    for path in (f"/articles/{ids['evil']}", f"/stories/{ids['story']}", "/", "/provenance"):
        html = client.get(path).text
        assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=&#34;", "")
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
        doc = assert_inert(html)
        assert any('<script>alert("x")</script>' in t for t in doc.text)
    raw = client.get(f"/api/articles/{ids['evil']}")
    assert b"<" not in raw.content and b">" not in raw.content
    data = raw.json()
    assert HOSTILE in data["article"]["text"]
    assert data["article"]["safe_url"] is None
    assert json.loads(raw.content)["article"]["byline"] == HOSTILE
    # the speaker list shows names only (the parse takes no markup in as a name); the
    # speaker's page lists the hostile article's quote under its hostile outlet name
    assert_inert(client.get("/speakers").text)
    html = client.get(f"/speakers/{ids['hostile']}").text
    assert "&lt;script" in html
    assert_inert(html)


def test_javascript_urls_never_become_links() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert safe_url(" JavaScript:alert(1)") is None
    assert safe_url("data:text/html,<script>") is None
    assert safe_url("//evil.example/x") is None
    assert safe_url("https://news.example/a?b=1") == "https://news.example/a?b=1"


@pytest.mark.parametrize(
    "path",
    [
        "/articles/..%2F..%2Fetc%2Fpasswd",
        "/articles/../../etc/passwd",
        "/articles/ABCDEF",
        "/articles/12ab%00",
        "/stories/%3Cscript%3E",
        "/stories/s1'%20OR%20'1'='1",
        "/speakers/..%2F..%2Fwiretrace.db",
        "/narratives/a%2Fb",
        "/compare/abc/..%2Fx",
        "/static/../store.py",
        "/static/..%2F..%2Fstore.py",
        "/static/%2e%2e%2fapp.py",
        "/static/views.html",
        "/api/articles/zz",
        "/api/stories/%3Cx%3E",
    ],
)
def test_url_ids_cannot_reach_outside_the_store(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.text and "root:" not in response.text
    assert "SQLite format" not in response.text


def test_valid_id_rules() -> None:
    assert valid_id("0123abcdef") == "0123abcdef"
    assert valid_id("story-1_a", hex_only=False) == "story-1_a"
    assert valid_id("запад-виноват-1a2b3c", hex_only=False) == "запад-виноват-1a2b3c"
    for bad in ("", "g1", "AB", "a" * 65, "../x", "a b", "a/b"):
        with pytest.raises(NotFound):
            valid_id(bad)
    for bad in ("", "../x", "..", ".hidden", "a/b", "<x>", "a b", "%2e", "a'b", "x" * 129):
        with pytest.raises(NotFound):
            valid_id(bad, hex_only=False)


def test_store_is_opened_read_only(web_db: tuple[Path, dict[str, str]]) -> None:
    db, _ = web_db
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    app = create_app(db, pool_size=1)
    with app.state.pool.connection() as conn:
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("DELETE FROM articles")
        with pytest.raises(sqlite3.OperationalError):
            conn.execute("CREATE TABLE x (a)")
    with TestClient(app, base_url=LOCAL) as c:
        assert c.get("/").status_code == 200
    app.state.pool.close()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_static_files_come_from_the_package(client: TestClient) -> None:
    css = client.get("/static/style.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    js = client.get("/static/app.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]


def test_empty_store_shows_empty_states(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    Store(db).close()
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as c:
        for path in (
            "/",
            "/stories",
            "/articles",
            "/speakers",
            "/statements",
            "/figures",
            "/narratives",
            "/provenance",
            "/timeline",
            "/search?q=x",
        ):
            response = c.get(path)
            assert response.status_code == 200, path
            assert 'class="empty"' in response.text, path
        assert c.get("/api/overview").json()["counts"]["articles"] == 0


def test_missing_store_fails_at_start(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        create_app(tmp_path / "absent.db")


def test_a_failing_page_answers_500_with_headers(
    web_db: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace import read

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom <script>")

    monkeypatch.setattr(read, "timeline", broken)
    db, _ = web_db
    with TestClient(
        create_app(db, pool_size=1), base_url=LOCAL, raise_server_exceptions=False
    ) as c:
        for path in ("/timeline", "/api/timeline"):
            response = c.get(path)
            assert response.status_code == 500
            assert "boom" not in response.text
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


def test_corpus_pages_are_cached_until_the_store_changes(
    web_db: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    db, ids = web_db
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    with TestClient(create_app(copy, pool_size=1), base_url=LOCAL) as c:
        assert c.get("/api/overview").json()["counts"]["stories"] == 1
        assert c.get("/api/overview").json()["counts"]["stories"] == 1
        with Store(copy) as s, s.transaction() as conn:
            conn.execute("INSERT INTO stories (id, title) VALUES ('s2', 'Convoy')")
            conn.execute(
                "INSERT INTO story_articles (story_id, article_id) VALUES ('s2', ?)", (ids["copy"],)
            )
        data = c.get("/api/overview").json()
        assert data["counts"]["stories"] == 2
        assert "Convoy" in c.get("/").text


def test_other_host_names_are_refused(client: TestClient) -> None:
    """A rebinding attack arrives with the attacker's host name; it gets nothing."""
    assert client.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
    assert client.get("/", headers={"host": "localhost"}).status_code == 200
    refused = client.get("/api/overview", headers={"host": "evil.example"})
    assert refused.status_code == 400 and "articles" not in refused.text
