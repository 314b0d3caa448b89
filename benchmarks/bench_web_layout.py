"""Page layout in headless Chromium: width overflow and height of every page type at a
phone (390x844) and a desktop (1400x900) width, and label overlaps in the provenance graph
of a generated 300-article wire cascade.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_web_layout.py STORE [--tag after]

Run it once with the code before a layout change and once after (``--tag before``/``after``)
to compare; each run writes benchmarks/results/web_layout-TAG.json.
"""

from __future__ import annotations

import argparse
import json
import socket
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from playwright.sync_api import sync_playwright
from wire_cascade import build_cascade

from wiretrace.web import create_app

OUT = Path(__file__).resolve().parent / "results"
OVERLAPS = """sel => {
  const r = [...document.querySelectorAll(sel)].filter(e => e.textContent.trim())
    .map(e => e.getBoundingClientRect());
  let n = 0;
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i], b = r[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
  }
  return [r.length, n];
}"""


@contextmanager
def serving(db: Path) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(db), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def page_types(db: Path) -> list[str]:
    """One URL per page type, for the largest story and the most linked articles."""
    conn = sqlite3.connect(db)
    one = lambda sql: (conn.execute(sql).fetchone() or [None])[0]  # noqa: E731
    story = one(
        "SELECT story_id FROM story_articles GROUP BY story_id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    link = conn.execute("SELECT derived, source FROM reuse_links LIMIT 1").fetchone()
    speaker = one(
        "SELECT s.id FROM speakers s JOIN quotes q ON q.speaker = s.name"
        " GROUP BY s.id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    narrative = one("SELECT narrative_id FROM narrative_hits LIMIT 1")
    word = one("SELECT substr(title, 1, instr(title || ' ', ' ') - 1) FROM articles LIMIT 1")
    conn.close()
    paths = ["/", "/stories", "/articles", "/quotes", "/speakers", "/statements", "/figures"]
    paths += ["/narratives", "/hits", "/reuse", "/provenance", "/timeline", f"/search?q={word}"]
    if story:
        paths.append(f"/stories/{story}")
    if link:
        paths += [f"/articles/{link[0]}", f"/compare/{link[0]}/{link[1]}"]
    if speaker:
        paths.append(f"/speakers/{speaker}")
    if narrative:
        paths.append(f"/narratives/{narrative}")
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("store", type=Path)
    parser.add_argument("--tag", default="after")
    args = parser.parse_args()
    result: dict[str, Any] = {"store": str(args.store), "pages": {}, "graph": {}}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        with serving(args.store) as url:
            for width, height in ((390, 844), (1400, 900)):
                page = browser.new_page(viewport={"width": width, "height": height})
                for path in page_types(args.store):
                    answer = page.goto(url + path)
                    result["pages"][f"{width} {path}"] = {
                        "status": answer.status if answer else None,
                        "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                        "height": page.evaluate("document.documentElement.scrollHeight"),
                    }
                page.close()
        cascade = Path(tmp) / "cascade.db"
        result["graph"]["cascade"] = build_cascade(cascade, 300)
        with serving(cascade) as url:
            for width in (1400, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(url + "/provenance")
                labels, overlaps = page.evaluate(
                    OVERLAPS, "figure.graph text.node-label, figure.graph text.small"
                )
                result["graph"][str(width)] = {
                    "nodes": page.evaluate(
                        "document.querySelectorAll('figure.graph circle').length"
                    ),
                    "labels": labels,
                    "overlapping_label_pairs": overlaps,
                    "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                }
                page.close()
        browser.close()
    pages = result["pages"]
    result["overflowing_at_390"] = sorted(
        k for k, v in pages.items() if k.startswith("390 ") and v["scroll_width"] > 390
    )
    OUT.mkdir(exist_ok=True)
    out = OUT / f"web_layout-{args.tag}.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "pages"}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
