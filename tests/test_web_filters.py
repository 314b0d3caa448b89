"""Filters and facets on every list: counts agree with the rows a click shows, links keep the
filter, the JSON twin takes the same parameters, malformed values are refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.testclient import TestClient

from wiretrace import read
from wiretrace.read import Filter, NotFound
from wiretrace.web import create_app

LOCAL = "http://127.0.0.1:8000"
LISTS = ("articles", "stories", "quotes", "speakers", "figures", "reuse", "hits")
ROWS = {
    "articles": "articles",
    "stories": "stories",
    "quotes": "quotes",
    "speakers": "speakers",
    "reuse": "links",
    "hits": "hits",
}


@pytest.fixture(scope="module")
def demo(demo_db: Path) -> Iterator[sqlite3.Connection]:
    conn = read.connect_readonly(demo_db)
    yield conn
    conn.close()


@pytest.fixture(scope="module")
def client(web_db: tuple[Path, dict[str, str]]) -> Iterator[TestClient]:
    with TestClient(create_app(web_db[0], pool_size=2), base_url=LOCAL) as c:
        yield c


def _rows(conn: sqlite3.Connection, name: str, filt: Filter) -> int:
    """Every row the list shows under ``filt``, over all its pages."""
    n, page = 0, 1
    while True:
        body = read.plain(read.listing(conn, name, page, filt))
        n += len(body[ROWS[name]])
        if not body["more"]:
            return n
        page += 1


def test_facet_counts_are_the_rows_a_click_shows(demo: sqlite3.Connection) -> None:
    checked = 0
    for name in LISTS:
        facets = read.plain(read.facets(demo, name, Filter()))
        assert facets["total"] > 0, name
        choices = [("outlet", v) for v in facets["outlet"][:3]]
        choices += [("kind", v) for v in facets["kind"][:3]]
        choices += [("story", v) for v in facets["story"][:2]]
        choices += [("speaker", v) for v in facets["speaker"][:2]]
        for field, value in choices:
            filt = Filter(**{field: value["value"]})
            narrowed = read.plain(read.facets(demo, name, filt))
            assert narrowed["total"] == value["n"], (name, field, value)
            assert narrowed["total"] <= facets["total"]
            if name in ROWS and not (name == "speakers" and field == "speaker"):
                assert _rows(demo, name, filt) == value["n"], (name, field, value)
            checked += 1
    assert checked >= 30


def test_a_month_facet_is_a_date_range(demo: sqlite3.Connection) -> None:
    months = read.plain(read.facets(demo, "articles", Filter()))["month"]
    assert months
    month = months[0]
    filt = Filter(since=month["value"], until=month["value"])
    found = read.plain(read.listing(demo, "articles", 1, filt))["articles"]
    assert len(found) == min(month["n"], read.PAGE_SIZE)
    assert all(a["published"].startswith(month["value"]) for a in found)
    empty = read.plain(read.listing(demo, "articles", 1, Filter(since="2999-01-01")))
    assert empty["articles"] == [] and empty["facets"]["total"] == 0


@pytest.mark.parametrize(
    "params",
    [{"since": "yesterday"}, {"until": "2023-13-99x"}, {"story": "../x"}, {"kind": "a b"}],
)
def test_malformed_filters_are_refused(params: dict[str, str]) -> None:
    with pytest.raises(NotFound):
        Filter.from_params(params)


def test_filters_change_the_lists_and_links_keep_them(
    client: TestClient, web_db: tuple[Path, dict[str, str]]
) -> None:
    _, ids = web_db
    every = client.get("/api/articles").json()
    harbor = client.get("/api/articles", params={"outlet": "Harbor Daily"}).json()
    assert 0 < len(harbor["articles"]) < len(every["articles"])
    assert {a["outlet"] for a in harbor["articles"]} == {"Harbor Daily"}
    counted = {v["value"]: v["n"] for v in every["facets"]["outlet"]}
    assert counted["Harbor Daily"] == len(harbor["articles"])

    quotes = client.get("/api/quotes", params={"speaker": ids["ilse"]}).json()["quotes"]
    assert quotes and {q["speaker_id"] for q in quotes} == {ids["ilse"]}
    direct = client.get("/api/quotes", params={"kind": "direct"}).json()["quotes"]
    assert direct and {q["kind"] for q in direct} == {"direct"}

    page = client.get("/quotes", params={"outlet": "Harbor Daily"})
    assert page.status_code == 200
    assert "outlet: Harbor Daily" in page.text  # the active filter shows as a chip
    # every facet link keeps the active filter and adds its own
    hrefs = [h for h in page.text.split('href="')[1:] if h.startswith("/quotes?")]
    kinds = [parse_qs(urlsplit(h.split('"')[0].replace("&amp;", "&")).query) for h in hrefs]
    with_kind = [q for q in kinds if "kind" in q]
    assert with_kind and all(q.get("outlet") == ["Harbor Daily"] for q in with_kind)

    assert client.get("/articles", params={"since": "not-a-date"}).status_code == 404
    assert client.get("/api/quotes", params={"story": "no/such"}).status_code == 404


def test_story_page_links_its_long_lists_to_filtered_pages(demo_db: Path) -> None:
    conn = read.connect_readonly(demo_db)
    try:
        [top] = read.story_rows(conn, None, 1)
        quotes = read.listing(conn, "quotes", 1, Filter(story=top.id))["facets"]
    finally:
        conn.close()
    with TestClient(create_app(demo_db, pool_size=1), base_url=LOCAL) as c:
        html = c.get(f"/stories/{top.id}").text
    total = quotes["total"]  # type: ignore[index]
    assert total > 12
    assert f"/quotes?story={top.id}" in html
    assert f"All {total} quotes of this story" in html


def test_a_speaker_filter_takes_an_id_a_name_or_an_alias(demo: sqlite3.Connection) -> None:
    """Lists join on the speaker id; a user may type the name or any name joined to it."""
    top = read.speakers(demo, 1, 1)["speakers"][0]  # type: ignore[index]
    by_id = _rows(demo, "quotes", Filter(speaker=top.id))
    assert by_id == top.quotes > 0
    aliases = [
        r[0]
        for r in demo.execute(
            "SELECT alias FROM speaker_aliases WHERE speaker_id = ? AND alias NOT IN"
            " (SELECT alias FROM speaker_aliases WHERE speaker_id != ?)",
            (top.id, top.id),
        )
    ]
    for given in (top.id, top.id[:8], top.name, top.name.upper(), *aliases[:2]):
        filt = Filter.from_params({"speaker": given}).resolved(demo)
        assert filt.speaker == top.id, given
        assert _rows(demo, "quotes", filt) == by_id
    with pytest.raises(NotFound, match="did you mean"):
        Filter(speaker=top.name + "x").resolved(demo)


def test_speaker_names_in_the_url(client: TestClient, web_db: tuple[Path, dict[str, str]]) -> None:
    _, ids = web_db
    by_id = client.get("/api/quotes", params={"speaker": ids["ilse"]}).json()["quotes"]
    by_name = client.get("/api/quotes", params={"speaker": "Ilse Varga"}).json()["quotes"]
    assert by_name == by_id and by_id
    page = client.get("/quotes", params={"speaker": "ilse varga"})
    assert page.status_code == 200 and "speaker: Ilse Varga" in page.text
    missing = client.get("/api/quotes", params={"speaker": "Ilse Vargas"})
    assert missing.status_code == 404 and "Ilse Varga" in missing.json()["error"]


def test_the_timeline_window_is_the_date_events_name(demo: sqlite3.Connection) -> None:
    """An article of 2025 recalling 2003 lists that event under 2003, not under 2025."""
    events = read.events(demo)
    published = {
        a.published[:4]
        for a in read.article_meta(demo, read.article_ids(demo)).values()
        if a.published
    }
    years = sorted({e.date_start[:4] for e in events} - published)
    assert years, "the demo corpus names years it was not published in"
    year = years[0]
    shown = read.plain(read.timeline(demo, None, year, year))
    expected = [e for e in events if e.date_start[:4] <= year <= e.date_end[:4]]
    assert len(shown["events"]) == len(expected) > 0
    assert all(e["date_start"][:4] <= year <= e["date_end"][:4] for e in shown["events"])
    # its charts keep to what was published in the window: nothing that year
    assert shown["publications"] == [] and shown["stories"] == []
    month = sorted(e.date_start[:7] for e in events if e.granularity == "day")[-1]
    narrow = read.plain(read.timeline(demo, None, month, month))["events"]
    assert narrow and all(
        e["date_start"] <= month + "-31" and e["date_end"] >= month for e in narrow
    )
    assert len(narrow) < len(events)


def test_the_timeline_page_windows_by_event_date(client: TestClient) -> None:
    every = client.get("/api/timeline").json()["events"]
    first = min(e["date_start"] for e in every)
    page = client.get("/timeline", params={"until": first})
    assert page.status_code == 200 and f'placeholder="YYYY-MM-DD" value="{first}"' in page.text
    kept = client.get("/api/timeline", params={"until": first}).json()["events"]
    assert kept and len(kept) < len(every)
    assert all(e["date_start"] <= first for e in kept)
