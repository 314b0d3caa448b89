"""Web UI latency under load, and report size/time, on a generated 50k-article store.

    .venv/bin/python benchmarks/bench_web.py [--articles 50000] [--concurrency 8] [--requests 2000]

Builds a store with generated text (stories of ten articles, wire copy reused verbatim and
paraphrased, quotes, figures in groups, narrative hits), starts ``wiretrace``'s app under
uvicorn in a separate process on 127.0.0.1, and drives it from this process with a bounded
number of concurrent connections. Writes benchmarks/results/bench_web.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from wiretrace.store import Store, content_hash

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SYLLABLES = [
    "ka",
    "ren",
    "to",
    "mi",
    "sa",
    "lor",
    "vet",
    "an",
    "di",
    "mo",
    "res",
    "tal",
    "ni",
    "por",
    "el",
    "quin",
    "ba",
    "sor",
    "ve",
    "la",
    "ter",
    "cu",
    "na",
    "bri",
]


def _words(rng: random.Random, n: int) -> list[str]:
    return ["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3))) for _ in range(n)]


def _sentence(rng: random.Random, vocab: list[str]) -> str:
    words = [rng.choice(vocab) for _ in range(rng.randint(10, 24))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def _article(rng: random.Random, vocab: list[str], wire: list[str] | None) -> list[str]:
    paragraphs = []
    for _ in range(rng.randint(4, 6)):
        paragraphs.append(" ".join(_sentence(rng, vocab) for _ in range(rng.randint(2, 5))))
    if wire:  # take two paragraphs of the wire story verbatim
        for p in rng.sample(wire, 2):
            paragraphs.insert(rng.randint(0, len(paragraphs)), p)
    return paragraphs


def build_store(path: Path, n_articles: int, seed: int = 7) -> dict[str, Any]:
    """Write the generated corpus straight into the store's tables, in one transaction."""
    rng = random.Random(seed)
    vocab = _words(rng, 3000)
    outlets = [
        f"{w.capitalize()} {rng.choice(['Times', 'Post', 'Herald', 'Daily', 'Wire'])}"
        for w in _words(rng, 200)
    ]
    speakers = [(f"sp{i}", " ".join(w.capitalize() for w in _words(rng, 2))) for i in range(2000)]
    started = time.perf_counter()
    store = Store(path)
    conn = store.conn
    docs, arts, sents, reuse, quotes, figures, members, groups = [], [], [], [], [], [], [], []
    story_rows, story_members, statements, stmt_quotes, hits = [], [], [], [], []
    seq = 0
    story_size = 10
    for s in range(n_articles // story_size):
        sid = f"s{s}"
        story_rows.append((sid, " ".join(_words(rng, 5)).capitalize()))
        day0 = 738000 + rng.randint(0, 700)
        wire_paras: list[str] = []
        wire_id = ""
        story_quotes = []
        group_figs = []
        for k in range(story_size):
            paras = _article(rng, vocab, wire_paras if k and k < 6 else None)
            if k == 0:
                wire_paras = paras
            n_people = rng.randint(100, 90000)
            paras[-1] += f" At least {n_people:,} people were counted."
            text = "\n\n".join(paras)
            aid = content_hash(text + sid + str(k))
            seq += 1
            published = time.strftime("%Y-%m-%d", time.gmtime((day0 + k // 3 - 719163) * 86400))
            outlet = rng.choice(outlets)
            title = " ".join(_words(rng, 7)).capitalize()
            docs.append(
                (
                    aid,
                    f"gen/{aid}.txt",
                    "text",
                    text,
                    None,
                    outlet,
                    title,
                    None,
                    published,
                    "2031-01-01T00:00:00",
                    seq,
                )
            )
            arts.append((aid, text, content_hash(text), title, outlet, "Staff", published))
            story_members.append((sid, aid))
            pos = 0
            spans = []
            for para in paras:
                start = text.index(para, pos)
                cursor = start
                for piece in para.split(". "):
                    end = min(start + len(para), cursor + len(piece) + 1)
                    spans.append((cursor, end))
                    cursor = end + 1
                pos = start + len(para)
            sents.extend((aid, i, a, b) for i, (a, b) in enumerate(spans))
            if k == 0:
                wire_id = aid
                wire_text = text
            elif k < 6:
                for p in wire_paras:
                    if p in text and p in wire_text:
                        a = wire_text.index(p)
                        b = text.index(p)
                        reuse.append((wire_id, aid, a, a + len(p), b, b + len(p), "verbatim", 1.0))
            elif k == 6:
                a, b = rng.choice(spans), rng.choice(sents[-len(spans) :])[2:]
                reuse.append((wire_id, aid, a[0], a[1], b[0], b[1], "paraphrase", 0.8))
            for j in range(2):
                a, b = rng.choice(spans)
                sp = rng.choice(speakers)[0]
                qid = f"{aid}q{j}"
                quotes.append(
                    (
                        qid,
                        aid,
                        a,
                        b,
                        text[a:b],
                        rng.choice(["direct", "indirect"]),
                        sp,
                        None,
                        None,
                        "said",
                    )
                )
                story_quotes.append(qid)
            fstart = text.rindex(f"{n_people:,}")
            fid = f"{aid}f"
            figures.append(
                (
                    fid,
                    aid,
                    fstart,
                    fstart + len(f"{n_people:,}") + 7,
                    n_people,
                    n_people,
                    "people",
                    "people counted",
                    None,
                    published,
                )
            )
            if k < 3:
                group_figs.append(fid)
            if rng.random() < 0.4:
                a, b = rng.choice(spans)
                hits.append((f"n{rng.randint(0, 19)}", aid, a, b, rng.uniform(0.5, 0.9), None))
        gid = s + 1
        groups.append((gid, "people counted", rng.choice(["agree", "update", "conflict"])))
        members.extend((gid, f) for f in group_figs)
        statements.append((f"st{s}", speakers[s % len(speakers)][0]))
        stmt_quotes.extend((f"st{s}", q) for q in story_quotes[:3])
    with store.transaction():
        conn.executemany(
            "INSERT INTO documents (id, source, fmt, content, url, outlet, title,"
            " byline, published, ingested_at, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            docs,
        )
        conn.executemany(
            "INSERT INTO articles (id, text, text_hash, title, outlet, byline,"
            " published) VALUES (?,?,?,?,?,?,?)",
            arts,
        )
        conn.executemany(
            "INSERT INTO sentences (article_id, seq, start, end) VALUES (?,?,?,?)",
            sents,
        )
        conn.executemany(
            "INSERT INTO reuse_links (source, derived, source_start, source_end,"
            " derived_start, derived_end, kind, score) VALUES (?,?,?,?,?,?,?,?)",
            reuse,
        )
        conn.executemany("INSERT INTO speakers (id, name, kind) VALUES (?,?,'person')", speakers)
        conn.executemany(
            "INSERT INTO article_quotes (id, article, start, end, text, kind, speaker,"
            " speaker_start, speaker_end, cue) VALUES (?,?,?,?,?,?,?,?,?,?)",
            quotes,
        )
        conn.executemany("INSERT INTO statements (id, speaker) VALUES (?,?)", statements)
        conn.executemany(
            "INSERT INTO statement_quotes (statement_id, quote_id) VALUES (?,?)",
            stmt_quotes,
        )
        conn.executemany(
            "INSERT INTO article_figures (id, article, start, end, value_low, value_high,"
            " unit, what, qualifier, as_of) VALUES (?,?,?,?,?,?,?,?,?,?)",
            figures,
        )
        conn.executemany("INSERT INTO figure_groups (id, what, relation) VALUES (?,?,?)", groups)
        conn.executemany(
            "INSERT INTO figure_group_members (group_id, figure_id) VALUES (?,?)",
            members,
        )
        conn.executemany("INSERT INTO stories (id, title) VALUES (?,?)", story_rows)
        conn.executemany(
            "INSERT INTO story_articles (story_id, article_id) VALUES (?,?)",
            story_members,
        )
        conn.executemany(
            "INSERT INTO narratives (id, statement) VALUES (?,?)",
            [(f"n{i}", " ".join(_words(rng, 9))) for i in range(20)],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO narrative_hits (narrative_id, article, start,"
            " end, score, speaker) VALUES (?,?,?,?,?,?)",
            hits,
        )
    conn.execute("ANALYZE")
    store.close()
    return {
        "articles": len(arts),
        "stories": len(story_rows),
        "reuse_links": len(reuse),
        "quotes": len(quotes),
        "figures": len(figures),
        "sentences": len(sents),
        "narrative_hits": len(hits),
        "db_mb": round(path.stat().st_size / 1e6, 1),
        "build_s": round(time.perf_counter() - started, 1),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, port: int, workers: int) -> subprocess.Popen[bytes]:
    """``wiretrace serve`` in its own process group (uvicorn may fork workers)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wiretrace",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/static/style.css", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server did not start")


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load(base: str, paths: list[str], concurrency: int) -> dict[str, Any]:
    """Fire the paths with at most ``concurrency`` requests in flight; latency per request."""
    chunks = [paths[i::concurrency] for i in range(concurrency)]

    def worker(chunk: list[str]) -> list[tuple[float, int]]:
        out = []
        with httpx.Client(base_url=base, timeout=60) as client:
            for path in chunk:
                t0 = time.perf_counter()
                status = client.get(path).status_code
                out.append((time.perf_counter() - t0, status))
        return out

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = [r for part in pool.map(worker, chunks) for r in part]
    wall = time.perf_counter() - started
    ms = [1000 * t for t, _ in results]
    return {
        "requests": len(results),
        "errors": sum(1 for _, s in results if s != 200),
        "p50_ms": round(_pct(ms, 0.5), 1),
        "p95_ms": round(_pct(ms, 0.95), 1),
        "p99_ms": round(_pct(ms, 0.99), 1),
        "mean_ms": round(statistics.fmean(ms), 1),
        "max_ms": round(max(ms), 1),
        "throughput_rps": round(len(results) / wall, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/wiretrace-bench-web.db"))
    parser.add_argument(
        "--reuse-db", action="store_true", help="Keep a store an earlier run generated at --db."
    )
    parser.add_argument("--workers", type=int, default=1, help="Server worker processes.")
    parser.add_argument(
        "--full-report",
        action="store_true",
        help="Also write the report for the whole corpus (slow, large).",
    )
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.reuse_db and args.db.exists():
        with Store(args.db) as s:
            corpus = {
                "articles": s.count("articles"),
                "stories": s.count("stories"),
                "reuse_links": s.count("reuse_links"),
                "quotes": s.count("quotes"),
                "figures": s.count("figures"),
                "sentences": s.count("sentences"),
                "narrative_hits": s.count("narrative_hits"),
                "db_mb": round(args.db.stat().st_size / 1e6, 1),
                "reused": True,
            }
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        corpus = build_store(args.db, args.articles)
    print("store:", corpus, flush=True)

    rng = random.Random(1)
    with Store(args.db) as s:
        story_ids = [r[0] for r in s.conn.execute("SELECT id FROM stories")]
        article_ids = [r[0] for r in s.conn.execute("SELECT id FROM articles")]
    port = _free_port()
    server = start_server(args.db, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    results: dict[str, Any] = {
        "corpus": corpus,
        "concurrency": args.concurrency,
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    try:
        warm = [f"/stories/{rng.choice(story_ids)}" for _ in range(50)]
        load(base, warm + [f"/articles/{rng.choice(article_ids)}" for _ in range(50)], 4)
        n = args.requests
        results["story_html"] = load(
            base, [f"/stories/{rng.choice(story_ids)}" for _ in range(n)], args.concurrency
        )
        results["article_html"] = load(
            base, [f"/articles/{rng.choice(article_ids)}" for _ in range(n)], args.concurrency
        )
        results["story_json"] = load(
            base, [f"/api/stories/{rng.choice(story_ids)}" for _ in range(n // 2)], args.concurrency
        )
        results["article_json"] = load(
            base,
            [f"/api/articles/{rng.choice(article_ids)}" for _ in range(n // 2)],
            args.concurrency,
        )
        mixed = [
            f"/stories/{rng.choice(story_ids)}" if i % 2 else f"/articles/{rng.choice(article_ids)}"
            for i in range(n)
        ]
        results["mixed_html"] = load(base, mixed, args.concurrency)
        results["other_pages_sequential"] = {
            path: load(base, [path] * 5, 1)["p50_ms"]
            for path in (
                "/",
                "/timeline",
                "/provenance",
                "/figures",
                "/narratives/n1",
                "/speakers",
                "/statements",
                "/search?q=kareno",
            )
        }
        for key in ("story_html", "article_html"):
            results[key]["p95_vs_200ms_target"] = round(results[key]["p95_ms"] / 200, 3)
        results["html_vs_json_p50"] = {
            "story": round(results["story_html"]["p50_ms"] / results["story_json"]["p50_ms"], 2),
            "article": round(
                results["article_html"]["p50_ms"] / results["article_json"]["p50_ms"], 2
            ),
        }
        results["load_average_after"] = os.getloadavg()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(json.dumps({k: v for k, v in results.items() if k != "corpus"}, indent=1), flush=True)

    from wiretrace.report import write_report

    reports = {}
    one = write_report(args.db, RESULTS / "web-report-story.html", [story_ids[0]])
    reports["one_story"] = {
        "articles": one.articles,
        "mb": round(one.bytes / 1e6, 2),
        "seconds": round(one.seconds, 2),
    }
    hundred = write_report(args.db, RESULTS / "web-report-100.html", story_ids[:100])
    reports["100_stories"] = {
        "articles": hundred.articles,
        "mb": round(hundred.bytes / 1e6, 2),
        "seconds": round(hundred.seconds, 2),
    }
    if args.full_report:
        full = write_report(args.db, RESULTS / "web-report-full.html")
        reports["full"] = {
            "articles": full.articles,
            "mb": round(full.bytes / 1e6, 1),
            "seconds": round(full.seconds, 1),
            "articles_per_s": round(full.articles / full.seconds, 1),
        }
    results["report"] = reports
    for name in ("web-report-story.html", "web-report-100.html", "web-report-full.html"):
        (RESULTS / name).unlink(missing_ok=True)
    print("report:", json.dumps(reports), flush=True)
    out = RESULTS / "bench_web.json"
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
