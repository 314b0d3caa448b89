"""The read layer on a store written by the real stages: what pages show is what is stored."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from wiretrace import read
from wiretrace.web import create_app
from wiretrace.web.report import write_report

LOCAL = "http://127.0.0.1:8000"


def stored_quote_counts(db: Path) -> dict[str, int]:
    """Quotes per speaker exactly as the attribution stages store them."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT speaker, COUNT(*) FROM quotes WHERE speaker IS NOT NULL GROUP BY speaker"
        ).fetchall()
    return {str(name): int(n) for name, n in rows}


@pytest.fixture(scope="module")
def client(demo_db: Path) -> Any:
    with TestClient(create_app(demo_db, pool_size=2), base_url=LOCAL) as c:
        yield c


def all_speakers(client: TestClient) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        data = client.get(f"/api/speakers?page={page}").json()
        found += data["speakers"]
        if not data["more"]:
            return found
        page += 1


def test_speaker_counts_match_the_stored_quotes(client: TestClient, demo_db: Path) -> None:
    stored = stored_quote_counts(demo_db)
    speakers = all_speakers(client)
    assert len(stored) > 20 and sum(stored.values()) > 100  # the demo corpus is attributed
    listed = {s["name"]: s["quotes"] for s in speakers if s["quotes"]}
    assert listed == stored
    assert len({s["id"] for s in speakers}) == len(speakers)


def test_every_speaker_page_lists_that_speakers_quotes(client: TestClient, demo_db: Path) -> None:
    stored = stored_quote_counts(demo_db)
    for s in all_speakers(client):
        data = client.get(f"/api/speakers/{s['id']}").json()
        quotes = data["quotes"]
        assert len(quotes) == stored.get(s["name"], 0), s["name"]
        assert all(q["speaker"] == s["name"] and q["speaker_id"] == s["id"] for q in quotes)
        if quotes:
            html = client.get(f"/speakers/{s['id']}").text
            assert f"{len(quotes)} quotes" in html
            assert html.count('<td class="q">') == len(quotes), s["name"]


def test_quotes_everywhere_link_to_their_speaker(client: TestClient, demo_db: Path) -> None:
    conn = read.connect_readonly(demo_db)
    try:
        quotes = read.quotes_in(conn, None)
        statements = read.statements(conn, 1, 10**6)["statements"]
    finally:
        conn.close()
    attributed = [q for q in quotes if q.speaker]
    assert attributed and all(q.speaker_id for q in attributed)
    assert statements and all(st.speaker_id for st in statements)
    article = client.get(f"/api/articles/{attributed[0].article}").json()
    assert all(q["speaker_id"] for q in article["quotes"] if q["speaker"])


def test_report_speaker_sections_hold_their_quotes(demo_db: Path, tmp_path: Path) -> None:
    stored = stored_quote_counts(demo_db)
    html = write_report(demo_db, tmp_path / "r.html").path.read_text(encoding="utf-8")
    sections = re.findall(
        r'<section id="speaker-([^"]+)" class="view">(.*?)</section>', html, flags=re.S
    )
    assert len(sections) == len(stored)
    for _, body in sections:
        [n] = re.findall(r"· (\d+) quotes</p>", body)
        assert int(n) > 0 and body.count('<td class="q">') == int(n)
    assert sorted(int(re.findall(r"· (\d+) quotes</p>", b)[0]) for _, b in sections) == sorted(
        stored.values()
    )


def test_scoped_views_stay_inside_their_articles(demo_db: Path) -> None:
    conn = read.connect_readonly(demo_db)
    try:
        [story, *_] = read.story_rows(conn, None, 1)
        scope = read.member_ids(conn, [story.id])
        quotes = read.quotes_in(conn, scope)
        speakers = read.speakers(conn, 1, 10**6, scope)["speakers"]
        counts = read.counts(conn, scope)
    finally:
        conn.close()
    assert quotes and {q.article for q in quotes} <= scope
    assert sum(s.quotes for s in speakers) == len([q for q in quotes if q.speaker])
    assert counts["articles"] == len(scope) and counts["quotes"] == len(quotes)


def test_search_ignores_case_beyond_ascii(demo_db: Path, tmp_path: Path) -> None:
    from conftest import copy_store

    db = copy_store(demo_db, tmp_path / "store.db")
    with sqlite3.connect(db) as conn:
        first, text = conn.execute("SELECT id, text FROM articles ORDER BY id LIMIT 1").fetchone()
        conn.execute("UPDATE articles SET title = 'Österreich räumt ein' WHERE id = ?", (first,))
    word = max(re.findall(r"[A-Za-z]{6,}", text), key=len)
    conn = read.connect_readonly(db)
    try:
        titled = read.search(conn, "ÖSTERREICH RÄUMT")["articles"]
        found = read.search(conn, word.swapcase())["articles"]
        picks = read.story_picks(conn, read.story_rows(conn, None, 1)[0].id, "zzqx-none")
    finally:
        conn.close()
    assert [a.id for a in titled] == [first]
    hit = next(a for a in found if a.id == first)
    assert hit.match is not None
    assert hit.snippet[hit.match[0] : hit.match[1]].lower() == word.lower()
    assert picks["matching"] == 0
