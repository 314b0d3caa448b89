"""Cleaning benchmarks: throughput, quality on planted boilerplate, incremental cost.

1. HTML: the ``clean`` stage (trafilatura body + our plain-text cleaning + page chrome)
   against ``trafilatura.extract`` alone on the same generated pages. The headline ratio
   (``ratio_cpu``) is ours / theirs in process CPU time (``time.process_time``), which a
   busy shared machine disturbs far less than wall time; the wall-time ratio is kept too.
2. Plain text: generated articles of several fictional outlets, each outlet with its own
   donation box, newsletter footer and photo captions; articles/s through the clean stage,
   and how many planted boilerplate lines went and how many body lines stayed.
3. Incremental: adding a few articles to a cleaned store; time and articles re-cleaned.

Run: .venv/bin/python benchmarks/bench_clean.py [--pages 200] [--texts 1000] [--more 50]
Writes benchmarks/results/clean.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "clean.json"
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_ingest import html_page, paragraph, sentence  # noqa: E402

from wiretrace.clean.stage import STAGE  # noqa: E402
from wiretrace.config import Config  # noqa: E402
from wiretrace.models import RawDocument  # noqa: E402
from wiretrace.nlp import load_spacy  # noqa: E402
from wiretrace.pipeline import NullReporter  # noqa: E402
from wiretrace.store import Store  # noqa: E402

OUTLETS = [
    "Harbour Ledger",
    "Valley Courier",
    "Northern Star",
    "Morning Wire",
    "City Herald",
    "River Post",
    "Island Times",
    "Plains Gazette",
    "Coast Mercury",
    "Upland News",
]


def outlet_box(name: str) -> list[str]:
    """One outlet's boilerplate: appeal at the top, newsletter and donation box at the end."""
    return [
        f"Support The {name}!",
        "Sign up for our free weekly newsletter",
        f"Our newsletter brings you the best of The {name} every Friday. You can leave any time.",
        f"A Message from The {name}:",
        "Dear readers,",
        f"The {name} is paid for by readers like you. If you can, please support us monthly.",
        "Once\nMonthly\nAnnual\nContinue",
        "Read more",
    ]


def text_article(rng: random.Random, i: int) -> tuple[str, list[str], list[str]]:
    """(text, planted boilerplate lines, body paragraphs)."""
    name = OUTLETS[i % len(OUTLETS)]
    box = outlet_box(name)
    body = [paragraph(rng) for _ in range(rng.randint(5, 12))]
    caption = f"{sentence(rng)} {rng.choice(['Ana', 'Per', 'Tove'])} Lind / {name}"
    parts = [box[0], sentence(rng)[:-1], caption, *body, *box[1:]]
    planted = [line for piece in box for line in piece.split("\n")]
    return "\n\n".join(parts) + "\n", planted, body


def bench_html(n: int) -> dict[str, object]:
    import trafilatura

    rng = random.Random(1)
    pages = [html_page(rng, i) for i in range(n)]
    trafilatura.extract(pages[0])  # first-call set-up is not part of the timings
    start, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        trafilatura.extract(
            page,
            output_format="txt",
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    theirs, theirs_cpu = time.perf_counter() - start, time.process_time() - cpu
    with Store(":memory:") as store:
        store.add_documents([RawDocument(f"page-{i}.html", p, "html") for i, p in enumerate(pages)])
        start, cpu = time.perf_counter(), time.process_time()
        STAGE.run(store, Config(), NullReporter())
        ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "pages": n,
        "trafilatura_s": round(theirs, 3),
        "trafilatura_cpu_s": round(theirs_cpu, 3),
        "trafilatura_pages_per_s": round(n / theirs, 1),
        "clean_stage_s": round(ours, 3),
        "clean_stage_cpu_s": round(ours_cpu, 3),
        "clean_pages_per_s": round(n / ours, 1),
        "ratio_clean_over_trafilatura": round(ours / theirs, 2),
        "ratio_cpu": round(ours_cpu / theirs_cpu, 2),
        "ratio_basis": "ratio_cpu: process CPU seconds, ours / trafilatura (headline)",
    }


def bench_text(n: int, more: int) -> dict[str, object]:
    rng = random.Random(2)
    made = [text_article(rng, i) for i in range(n + more)]
    with Store(":memory:") as store:
        store.add_documents(
            [RawDocument(f"a-{i}.txt", t, "text") for i, (t, _, _) in enumerate(made[:n])]
        )
        start, cpu = time.perf_counter(), time.process_time()
        STAGE.run(store, Config(), NullReporter())
        seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
        texts = {a.source: a.text for a in store.iter_articles()}
        planted = kept = body_total = body_kept = 0
        for i, (_, boiler, body) in enumerate(made[:n]):
            text = texts[f"a-{i}.txt"]
            planted += len(boiler)
            kept += sum(1 for line in boiler if line in text.split("\n\n"))
            body_total += len(body)
            body_kept += sum(1 for p in body if p in text)
        store.add_documents(
            [RawDocument(f"a-{i}.txt", t, "text") for i, (t, _, _) in enumerate(made[n:], start=n)]
        )
        start = time.perf_counter()
        report = STAGE.run(store, Config(), NullReporter())
        incremental = time.perf_counter() - start
    return {
        "articles": n,
        "outlets": len(OUTLETS),
        "clean_s": round(seconds, 3),
        "cpu_s": round(cpu_seconds, 3),
        "articles_per_s": round(n / seconds, 1),
        "articles_per_cpu_s": round(n / cpu_seconds, 1),
        "planted_boilerplate_lines": planted,
        "boilerplate_lines_left": kept,
        "body_paragraphs": body_total,
        "body_paragraphs_kept": body_kept,
        "incremental_added": more,
        "incremental_s": round(incremental, 3),
        "incremental_notes": list(report.notes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--more", type=int, default=50)
    args = parser.parse_args()
    load_spacy("en_core_web_md")  # model loading is not part of the timings
    result = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "html": bench_html(args.pages),
        "text": bench_text(args.texts, args.more),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        main()
