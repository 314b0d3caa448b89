"""Correcting speakers and stories from the web UI: the same ``read.edits`` calls as the
``wiretrace speakers`` and ``wiretrace stories`` commands, posted only from this server's own
pages (token and origin checked), shown escaped, and refused with the reason when they cannot
apply. Runs on a copy of the demo store built by the real pipeline."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import copy_store
from test_web_app import assert_inert
from wiretrace import read
from wiretrace.config import Config
from wiretrace.models import StoryEdit
from wiretrace.pipeline import Pipeline
from wiretrace.store import Store
from wiretrace.web import create_app

LOCAL = "http://127.0.0.1:8000"
SAME = {"origin": LOCAL, "sec-fetch-site": "same-origin"}
# what Chromium sends with a form from our pages (their referrer policy is no-referrer)
BROWSER = {"origin": "null", "sec-fetch-site": "same-origin"}


@pytest.fixture
def edited(demo_db: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    db = copy_store(demo_db, tmp_path / "edits.db")
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as c:
        yield c, db


def _forms(page: str, action: str) -> list[dict[str, list[str]]]:
    """The hidden fields of each form posting to ``action``."""
    out = []
    for body in re.findall(
        rf'<form class="edit[^"]*" method="post" action="{action}">(.*?)</form>', page, re.S
    ):
        fields: dict[str, list[str]] = {}
        for name, value in re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', body):
            fields.setdefault(name, []).append(html.unescape(value))
        out.append(fields)
    return out


def _members(db: Path, story: str) -> set[str]:
    conn = read.connect_readonly(db)
    try:
        return read.member_ids(conn, [story])
    finally:
        conn.close()


def test_story_split_merge_and_move_from_the_story_page(edited: tuple[TestClient, Path]) -> None:
    client, db = edited
    stories = client.get("/api/stories").json()["stories"]
    big, other = stories[0]["id"], stories[1]["id"]
    before_big, before_other = _members(db, big), _members(db, other)
    page = client.get(f"/stories/{big}").text
    assert_inert(page)
    [merge, pick] = _forms(page, "/stories/edit")
    assert merge["action"] == ["merge"] and merge["story"] == [big]
    assert f'<option value="{other}">' in page  # the stories to merge into
    leaving = sorted(before_big)[:2]

    answer = client.post(
        "/stories/edit",
        data={**pick, "action": "split", "article": leaving},
        headers=SAME,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    new = answer.headers["location"].removeprefix("/stories/")
    assert new != big and _members(db, new) == set(leaving)
    assert _members(db, big) == before_big - set(leaving)
    assert set(leaving) <= {a["id"] for a in client.get(f"/api/stories/{new}").json()["articles"]}

    moved = sorted(before_other)[0]
    answer = client.post(
        "/stories/edit",
        data={**pick, "action": "move", "article": moved, "into": big[:12]},
        headers=BROWSER,
        follow_redirects=False,
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/stories/{big}"
    assert moved in _members(db, big)

    back = _forms(client.get(f"/stories/{new}").text, "/stories/edit")[0]
    answer = client.post(
        "/stories/edit", data={**back, "into": big}, headers=SAME, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == f"/stories/{big}"
    assert _members(db, big) == before_big | {moved}
    assert client.get(f"/api/stories/{new}").status_code == 404
    actions = [e.action for e in _edits(db)]
    assert actions == ["split", "split", "move", *["merge"] * 2]


def _edits(db: Path) -> list[StoryEdit]:
    conn = read.connect_readonly(db)
    try:
        return read.story_edits(conn)
    finally:
        conn.close()


def test_a_refused_story_edit_says_why_and_records_nothing(
    edited: tuple[TestClient, Path],
) -> None:
    client, db = edited
    big = client.get("/api/stories").json()["stories"][0]["id"]
    [merge, pick] = _forms(client.get(f"/stories/{big}").text, "/stories/edit")
    same = client.post("/stories/edit", data={**merge, "into": big}, headers=SAME)
    assert same.status_code == 400 and "are the same story" in same.text
    nowhere = client.post("/stories/edit", data={**merge, "into": "<b>no such</b>"}, headers=SAME)
    assert nowhere.status_code == 404 and "&lt;b&gt;no such&lt;/b&gt;" in nowhere.text
    assert_inert(nowhere.text)
    nothing = client.post("/stories/edit", data={**pick, "action": "split"}, headers=SAME)
    assert nothing.status_code == 400 and "at least one article" in nothing.text
    assert _edits(db) == []


@pytest.mark.parametrize(
    "change",
    [
        {"headers": {"origin": "http://evil.example", "sec-fetch-site": "cross-site"}},
        {"headers": {"origin": "null"}},
        {"headers": {}},
        {"form": {"token": "guessed"}},
    ],
)
def test_a_story_edit_from_elsewhere_is_refused(
    edited: tuple[TestClient, Path], change: dict[str, dict[str, str]]
) -> None:
    client, db = edited
    stories = client.get("/api/stories").json()["stories"]
    [merge, _] = _forms(client.get(f"/stories/{stories[0]['id']}").text, "/stories/edit")
    form = {**merge, "into": stories[1]["id"], **change.get("form", {})}
    answer = client.post("/stories/edit", data=form, headers=change.get("headers", SAME))
    assert answer.status_code == 403
    assert _edits(db) == []


def test_a_speaker_renamed_from_its_page_shows_escaped_everywhere(
    edited: tuple[TestClient, Path],
) -> None:
    """A rename is recorded at once and waits, listed on the speaker's page, for the next
    ``analyze`` (the request resolves no speakers); the name a user types is shown as text,
    never as markup."""
    client, db = edited
    top = client.get("/api/speakers").json()["speakers"][0]
    page = client.get(f"/speakers/{top['id']}").text
    rename = next(f for f in _forms(page, "/speakers/edit") if f["action"] == ["rename"])
    assert rename["name"] == [top["name"]]
    hostile = '<script>alert("x")</script> Office'
    answer = client.post(
        "/speakers/edit",
        data={**rename, "target": hostile},
        headers=SAME,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/speakers/{top['id']}#waiting"
    waiting = client.get(answer.headers["location"])
    assert_inert(waiting.text)
    shown = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Office"
    assert "Corrections waiting for the next analyze" in waiting.text and shown in waiting.text
    api = f"/api/speakers/{top['id']}"
    assert client.get(api).json()["speaker"]["name"] == top["name"]  # not applied yet
    assert [w["target"] for w in client.get(api).json()["waiting"]] == [hostile]

    with Store(db) as store:  # the next `wiretrace analyze`: only the speakers are redone
        reports = Pipeline.default().run(store, Config())
    assert [r.stage for r in reports if r.processed] == ["statements"]
    conn = read.connect_readonly(db)
    try:
        renamed_id = read.resolve(conn, "speaker", hostile)
    finally:
        conn.close()
    after = client.get(f"/speakers/{renamed_id}")
    assert_inert(after.text)
    assert shown in after.text and "Corrections waiting" not in after.text
    renamed = client.get(f"/api/speakers/{renamed_id}")
    assert renamed.json()["speaker"]["name"] == hostile
    assert len(renamed.json()["quotes"]) == top["quotes"]
    listed = {s["name"]: s["quotes"] for s in client.get("/api/speakers").json()["speakers"]}
    assert listed[hostile] == top["quotes"] and top["name"] not in listed
    conn = read.connect_readonly(db)
    try:
        assert [(e.action, e.name, e.target) for e in read.speaker_edits(conn)] == [
            ("rename", top["name"], hostile)
        ]
    finally:
        conn.close()
    refused = client.post(
        "/speakers/edit",
        data={**rename, "action": "merge", "target": "Nobody At All"},
        headers=SAME,
    )
    assert refused.status_code == 404 and "no speaker goes by" in refused.text


def test_a_published_server_offers_no_edits(demo_db: Path) -> None:
    with TestClient(create_app(demo_db, 1, allowed_hosts=["*"]), base_url=LOCAL) as c:
        story = c.get("/api/stories").json()["stories"][0]["id"]
        assert 'action="/stories/edit"' not in c.get(f"/stories/{story}").text
        speaker = c.get("/api/speakers").json()["speakers"][0]["id"]
        assert 'action="/speakers/edit"' not in c.get(f"/speakers/{speaker}").text
        answer = c.post("/stories/edit", data={"action": "merge"}, headers=SAME)
        assert answer.status_code == 403


def test_a_story_too_large_to_list_is_searched_and_paged_for_its_corrections(
    tmp_path: Path,
) -> None:
    """A story of 300 articles: the correction form lists a page of them at a time and
    finds any by words of its title or outlet, so an article the story page does not show
    (it shows the first 120) can still be split off."""
    from conftest import build_big_story

    db = tmp_path / "big.db"
    story, ids = build_big_story(db)
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as client:
        page = client.get(f"/stories/{story}").text
        assert "Articles 1–50 of 300, oldest first" in page
        [_, pick] = _forms(page, "/stories/edit")
        listed = re.findall(r'name="article" value="([^"]+)"', page)
        assert listed == ids[:50]
        second = client.get(f"/stories/{story}?pick=2").text
        assert re.findall(r'name="article" value="([^"]+)"', second) == ids[50:100]
        last = client.get(f"/stories/{story}?pick=6").text
        assert "Articles 251–300 of 300" in last and "next →" not in last

        newest = ids[-1]
        conn = read.connect_readonly(db)
        try:
            meta = read.article_meta(conn, [newest])[newest]
        finally:
            conn.close()
        words = " ".join([*(meta.title or "").split()[:3], *(meta.outlet or "").split()])
        found = client.get(f"/stories/{story}", params={"find": words.upper()}).text
        assert f"matching “{words.upper()}”" in html.unescape(found)  # any case matches
        matches = re.findall(r'name="article" value="([^"]+)"', found)
        assert newest in matches and len(matches) < 10
        assert newest not in {
            a["id"] for a in client.get(f"/api/stories/{story}").json()["articles"]
        }
        none = client.get(f"/stories/{story}", params={"find": "<i>nothing like it</i>"}).text
        assert_inert(none)
        assert "No article of this story matches" in none
        assert not re.findall(r'name="article" value="([^"]+)"', none)

        answer = client.post(
            "/stories/edit",
            data={**pick, "action": "split", "article": [newest]},
            headers=SAME,
            follow_redirects=False,
        )
        assert answer.status_code == 303
        new = answer.headers["location"].removeprefix("/stories/")
        assert _members(db, new) == {newest} and _members(db, story) == set(ids[:-1])
