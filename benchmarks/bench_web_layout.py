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
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from web_probe import label_overlaps, measure, serving
from wire_cascade import build_cascade

OUT = Path(__file__).resolve().parent / "results"


def page_types(db: Path) -> list[str]:
    """One URL per page type, for the largest story and the most linked articles."""
    conn = sqlite3.connect(db)
    one = lambda sql: (conn.execute(sql).fetchone() or [None])[0]  # noqa: E731
    story = one(
        "SELECT story_id FROM story_articles GROUP BY story_id ORDER BY COUNT(*) DESC LIMIT 1"
    )
    link = conn.execute("SELECT derived, source FROM reuse_links LIMIT 1").fetchone()
    speaker = one(
        "SELECT speaker_id FROM quotes WHERE speaker_id IS NOT NULL"
        " GROUP BY speaker_id ORDER BY COUNT(*) DESC LIMIT 1"
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
                    result["pages"][f"{width} {path}"] = measure(page, url + path)
                page.close()
        cascade = Path(tmp) / "cascade.db"
        result["graph"]["cascade"] = build_cascade(cascade, 300)
        with serving(cascade) as url:
            for width in (1400, 390):
                page = browser.new_page(viewport={"width": width, "height": 900})
                page.goto(url + "/provenance")
                labels, overlaps = label_overlaps(
                    page, "figure.graph text.node-label, figure.graph text.small"
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
