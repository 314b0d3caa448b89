"""Judging narrative echoes from the web UI: the same call as ``narratives judge``, only from
this server's own pages (token and origin checked), never on a published server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from conftest import copy_store
from test_web_app import assert_inert
from wiretrace.store import Store
from wiretrace.web import create_app

LOCAL = "http://127.0.0.1:8000"
SAME = {"origin": LOCAL, "sec-fetch-site": "same-origin"}


@pytest.fixture
def judged(
    web_db: tuple[Path, dict[str, str]], tmp_path: Path
) -> Iterator[tuple[TestClient, Path]]:
    db = copy_store(web_db[0], tmp_path / "judge.db")
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as c:
        yield c, db


def _form(html: str) -> dict[str, str]:
    form = re.search(r'<form class="judge"[^>]*>(.*?)</form>', html, re.S)
    assert form, "no verdict buttons on the page"
    return dict(re.findall(r'name="(hit|token|next)" value="([^"]*)"', form.group(1)))


def _examples(db: Path) -> list[tuple[str, int, str]]:
    with Store(db) as s:
        return [
            (r[0], r[1], r[2])
            for r in s.conn.execute(
                "SELECT narrative_id, positive, origin FROM narrative_examples"
                " WHERE origin = 'judge'"
            )
        ]


def test_a_verdict_from_the_page_is_stored_and_shown(judged: tuple[TestClient, Path]) -> None:
    client, db = judged
    page = client.get("/hits")
    assert_inert(page.text)
    form = _form(page.text)
    assert form["next"].startswith("/hits#hit-")
    answer = client.post(
        "/hits/judge", data={**form, "verdict": "right"}, headers=SAME, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"] == form["next"]
    assert ("late-warning", 1, "judge") in _examples(db)
    hits = client.get("/api/hits").json()["hits"]
    nid, article, start = form["hit"].rsplit(":", 2)
    assert nid == "late-warning"
    [hit] = [h for h in hits if h["article"] == article and h["start"] == int(start)]
    assert hit["verdict"] is True
    assert "judged right" in client.get("/hits").text
    client.post("/hits/judge", data={**form, "verdict": "wrong"}, headers=SAME)
    hits = client.get("/api/hits").json()["hits"]
    [hit] = [h for h in hits if h["article"] == article and h["start"] == int(start)]
    assert hit["verdict"] is False  # the last verdict wins


@pytest.mark.parametrize(
    "change",
    [
        {"headers": {"origin": "http://evil.example", "sec-fetch-site": "cross-site"}},
        {"headers": {"origin": "http://evil.example"}},
        {"headers": {"sec-fetch-site": "cross-site"}},
        {"headers": {"origin": "null"}},
        {"headers": {"origin": "null", "sec-fetch-site": "cross-site"}},
        {"headers": {}},
        {"form": {"token": "guessed"}},
        {"form": {"token": ""}},
        {"form": {"verdict": "maybe"}},
        {"form": {"hit": "late-warning:0000:1"}},
    ],
)
def test_forged_or_malformed_verdicts_change_nothing(
    judged: tuple[TestClient, Path], change: dict[str, dict[str, str]]
) -> None:
    client, db = judged
    form = {**_form(client.get("/hits").text), "verdict": "right", **change.get("form", {})}
    answer = client.post(
        "/hits/judge", data=form, headers=change.get("headers", SAME), follow_redirects=False
    )
    assert answer.status_code in (400, 403, 404)
    assert _examples(db) == []


def test_a_redirect_never_leaves_the_server(judged: tuple[TestClient, Path]) -> None:
    client, _ = judged
    form = {**_form(client.get("/hits").text), "verdict": "wrong", "next": "//evil.example/x"}
    answer = client.post("/hits/judge", data=form, headers=SAME, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/hits"


def test_a_published_server_offers_no_judging(web_db: tuple[Path, dict[str, str]]) -> None:
    with TestClient(create_app(web_db[0], 1, allowed_hosts=["*"]), base_url=LOCAL) as c:
        assert 'class="judge"' not in c.get("/hits").text
        answer = c.post("/hits/judge", data={"verdict": "right"}, headers=SAME)
        assert answer.status_code == 403


@pytest.fixture
def judged_demo(demo_db: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Path]]:
    """The analysed demo store (three narratives, many echoes), a private copy served."""
    db = copy_store(demo_db, tmp_path / "demo-judge.db")
    with TestClient(create_app(db, pool_size=1), base_url=LOCAL) as c:
        yield c, db


def test_unsure_first_lists_unjudged_echoes_nearest_the_threshold_first(
    judged_demo: tuple[TestClient, Path],
) -> None:
    import json as jsonlib

    from typer.testing import CliRunner

    from wiretrace.cli import app
    from wiretrace.narratives.tables import set_thresholds

    client, db = judged_demo
    best = client.get("/api/hits").json()["hits"]
    assert len(best) >= 3
    scores = sorted(h["score"] for h in best)
    threshold = (scores[0] + scores[-1]) / 2  # echoes on both sides of it
    with Store(db) as s:
        set_thresholds(s, {h["narrative_id"]: threshold for h in best})

    def key(h: dict) -> tuple[bool, float]:
        return (h["verdict"] is not None, abs(h["score"] - threshold))

    unsure = client.get("/api/hits?order=unsure").json()
    assert unsure["order"] == "unsure" and len(unsure["hits"]) == len(best)
    assert [key(h) for h in unsure["hits"]] == sorted(key(h) for h in unsure["hits"])
    assert unsure["hits"] != best  # not the best-first order
    assert all(h["threshold"] == threshold for h in unsure["hits"])
    # a verdict sends the echo behind every unjudged one
    first = unsure["hits"][0]
    start = "title" if first["part"] == "title" else first["start"]
    hid = f"{first['narrative_id']}:{first['article']}:{start}"
    form = _form(client.get("/hits?order=unsure").text)
    assert form["hit"] == hid and "order=unsure" in form["next"]
    client.post("/hits/judge", data={**form, "verdict": "wrong"}, headers=SAME)
    again = client.get("/api/hits?order=unsure").json()["hits"]
    assert again[-1]["article"] == first["article"] and again[-1]["verdict"] is False
    assert client.get("/hits?order=sideways").status_code == 404
    # the command line lists them in the same order
    nid = first["narrative_id"]
    out = CliRunner().invoke(app, ["narratives", "hits", nid, "--db", str(db), "--unsure"])
    assert out.exit_code == 0 and f"unsure first (threshold {threshold:.3f})" in out.output
    listed = CliRunner().invoke(
        app, ["narratives", "hits", nid, "--db", str(db), "--unsure", "--json"]
    )
    rows = jsonlib.loads(listed.stdout)
    assert [key(r) for r in rows] == sorted(key(r) for r in rows)
    assert rows[-1]["verdict"] is False and rows[-1]["article"] == first["article"]
    mine = [(h["article"], h["part"], h["start"]) for h in again if h["narrative_id"] == nid]
    assert [(r["article"], r["part"], r["span"][0]) for r in rows][: len(mine)] == mine
