"""Ingest benchmarks, side by side with trafilatura on the same pages.

1. HTML: ``wiretrace.ingest.ingest`` + the ``clean`` stage on generated article pages,
   against ``trafilatura.extract`` alone on the same files (ratio = our time / theirs).
2. Plain text: articles/s through ingest alone and through ingest + clean.
3. Memory: peak RSS of a child process ingesting 100k generated plain-text articles from
   one JSONL file and from a directory, sampled along the way to show it stays flat.
   The peak is the kernel's VmHWM for the child: ``ru_maxrss`` is also reported, but Linux
   carries the parent's high-water mark across fork+exec into it, so after the clean stage
   has run in the parent it reads the parent's peak, not the child's.

Run: .venv/bin/python benchmarks/bench_ingest.py [--pages 300] [--texts 5000] [--big 100000]
Writes benchmarks/results/ingest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "ingest.json"

WORDS = [
    "council",
    "minister",
    "river",
    "valley",
    "engineers",
    "water",
    "residents",
    "officials",
    "report",
    "reservoir",
    "dam",
    "evacuation",
    "police",
    "hospital",
    "school",
    "village",
    "city",
    "road",
    "bridge",
    "budget",
    "election",
    "spokesman",
    "statement",
    "agency",
    "week",
    "morning",
    "night",
    "government",
    "inquiry",
    "company",
    "shares",
    "price",
    "rain",
    "flood",
    "sludge",
    "mine",
    "copper",
    "workers",
    "union",
    "strike",
    "court",
    "judge",
    "lawyer",
    "said",
    "told",
    "announced",
    "confirmed",
    "denied",
    "warned",
    "added",
    "explained",
    "estimated",
    "expected",
    "the",
    "a",
    "of",
    "to",
    "in",
    "and",
    "on",
    "for",
    "with",
    "at",
    "by",
    "from",
    "after",
    "before",
    "during",
    "about",
    "over",
    "more",
    "than",
    "three",
    "four",
    "hundred",
    "thousand",
    "people",
    "families",
    "homes",
    "streets",
    "north",
    "south",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 26))]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(2, 5)))


def article_text(rng: random.Random, i: int) -> str:
    title = sentence(rng)[:-1]
    return f"{title}\n\nReport {i}.\n\n" + "\n\n".join(
        paragraph(rng) for _ in range(rng.randint(5, 12))
    )


FIRST = ["Ines", "Piet", "Lena", "Jonas", "Mara", "Aino", "Tove", "Freya", "Katja", "Nora"]
LAST = ["Carrow", "Andrel", "Sorvik", "Rehn", "Ilves", "Kask", "Sandell", "Nyman", "Lid"]


def html_page(rng: random.Random, i: int) -> str:
    title = sentence(rng)[:-1]
    author = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    nav = "".join(
        f'<li class="nav-item"><a href="/section/{w}/{k}">{w.title()}</a></li>'
        for k in range(4)
        for w in rng.sample(WORDS, 30)
    )
    related = "".join(
        f'<li><a href="/story/{rng.randint(1, 99999)}">{sentence(rng)}</a></li>' for _ in range(8)
    )
    body = "\n".join(f"<p>{paragraph(rng)}</p>" for _ in range(rng.randint(6, 14)))
    script = "var cfg = {" + ",".join(f'"k{j}": "{rng.choice(WORDS)}"' for j in range(2000)) + "};"
    comments = "".join(
        f'<div class="comment"><span class="who">user{rng.randint(1, 999)}</span>'
        f"<p>{sentence(rng)}</p></div>"
        for _ in range(rng.randint(5, 20))
    )
    links = "".join(f'<li><a href="/info/{w}">{w}</a></li>' for w in rng.sample(WORDS, 40))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | The Valley Courier</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="The Valley Courier">
<meta name="author" content="{author}">
<meta property="article:published_time" content="2025-03-{i % 28 + 1:02d}T08:00:00Z">
<link rel="canonical" href="https://courier.example/story/{i}">
<style>body{{font-family:serif}} .nav li{{display:inline}} .ad{{height:250px}}</style>
<script>{script}</script>
</head><body>
<header><nav class="nav"><ul>{nav}</ul></nav>
<div class="ad">Advertisement</div></header>
<main><article><h1>{title}</h1><p class="byline">By {author}</p>
<p class="dateline">March {i % 28 + 1}, 2025</p>
{body}
<div class="share">Share this story: <a href="#">Facebook</a> <a href="#">X</a></div>
</article>
<aside><h2>Related</h2><ul>{related}</ul></aside>
<section class="comments"><h2>Comments</h2>{comments}</section></main>
<footer><ul class="links">{links}</ul><p>Subscribe to our newsletter for the morning briefing.</p>
<p>&copy; 2025 The Valley Courier. All rights reserved.</p></footer>
</body></html>
"""


def write_pages(folder: Path, n: int, seed: int = 1) -> list[Path]:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"page-{i:05d}.html"
        path.write_text(html_page(rng, i), encoding="utf-8")
        paths.append(path)
    return paths


def write_texts(folder: Path, n: int, seed: int = 2) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        sub = folder / f"{i // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"article-{i:06d}.txt").write_text(article_text(rng, i), encoding="utf-8")


def write_jsonl(path: Path, n: int, seed: int = 3) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(
                json.dumps(
                    {
                        "text": article_text(rng, i),
                        "outlet": f"Outlet {i % 40}",
                        "url": f"https://news.example/{i}",
                    }
                )
                + "\n"
            )


# -- 1. HTML: ingest + clean vs trafilatura --------------------------------------------------


def bench_html(n: int, tmp: Path) -> dict[str, object]:
    import trafilatura

    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import Pipeline
    from wiretrace.store import Store

    pages = write_pages(tmp / "html", n)
    size = sum(p.stat().st_size for p in pages)
    trafilatura.extract(pages[0].read_text(encoding="utf-8"))  # warm up lxml and caches

    start, cpu = time.perf_counter(), time.process_time()
    extracted = 0
    for path in pages:
        text = trafilatura.extract(path.read_bytes().decode("utf-8"))
        extracted += bool(text)
    peer, peer_cpu = time.perf_counter() - start, time.process_time() - cpu

    # The spaCy model loads once per process: timed on its own, not per page (as in
    # bench_clean.py), so the ratio compares per-page work.
    from wiretrace.nlp import NlpConfig, load_spacy

    load_start = time.process_time()
    load_spacy(NlpConfig().spacy_model)
    model_load_cpu = time.process_time() - load_start

    db = tmp / "html.db"
    with Store(db) as store:
        t0, c0 = time.perf_counter(), time.process_time()
        report = ingest(store, [str(tmp / "html")], Config())
        t1, c1 = time.perf_counter(), time.process_time()
        Pipeline.default().run(store, Config(), until="clean")
        t2, c2 = time.perf_counter(), time.process_time()
        articles = store.count("articles")
    ours, ours_cpu = t2 - t0, c2 - c0
    return {
        "pages": n,
        "mean_page_kb": round(size / n / 1024, 1),
        "trafilatura_extract_s": round(peer, 3),
        "trafilatura_pages_per_s": round(n / peer, 1),
        "trafilatura_nonempty": extracted,
        "wiretrace_ingest_s": round(t1 - t0, 3),
        "wiretrace_clean_s": round(t2 - t1, 3),
        "wiretrace_ingest_clean_s": round(ours, 3),
        "wiretrace_pages_per_s": round(n / ours, 1),
        "wiretrace_added": report.added,
        "wiretrace_articles": articles,
        "ratio_wiretrace_over_trafilatura": round(ours / peer, 3),
        "ratio_ingest_only_over_trafilatura": round((t1 - t0) / peer, 3),
        # Process CPU seconds: the headline, since wall time on a shared machine is noisy.
        "trafilatura_extract_cpu_s": round(peer_cpu, 3),
        "wiretrace_ingest_cpu_s": round(c1 - c0, 3),
        "wiretrace_clean_cpu_s": round(c2 - c1, 3),
        "wiretrace_ingest_clean_cpu_s": round(ours_cpu, 3),
        "ratio_cpu_wiretrace_over_trafilatura": round(ours_cpu / peer_cpu, 3),
        "spacy_model_load_cpu_s_not_in_ratio": round(model_load_cpu, 3),
        "ratio_basis": "ratio_cpu_*: process CPU seconds (headline); ratio_* without cpu: wall",
    }


# -- 2. plain text articles/s ------------------------------------------------------------


def bench_text(n: int, clean_n: int, tmp: Path) -> dict[str, object]:
    """Ingest alone on ``n`` articles; ingest + clean on the first ``clean_n`` of them."""
    from wiretrace.config import Config
    from wiretrace.ingest import ingest
    from wiretrace.pipeline import Pipeline
    from wiretrace.store import Store

    folder = tmp / "texts"
    write_texts(folder, n)
    with Store(tmp / "text.db") as store:
        t0 = time.perf_counter()
        report = ingest(store, [str(folder)], Config())
        t1 = time.perf_counter()
        again = ingest(store, [str(folder)], Config())
        t2 = time.perf_counter()
    subset = sorted(str(p) for p in folder.rglob("*.txt"))[:clean_n]
    with Store(tmp / "text-clean.db") as store:
        t3 = time.perf_counter()
        ingest(store, subset, Config())
        t4 = time.perf_counter()
        Pipeline.default().run(store, Config(), until="clean")
        t5 = time.perf_counter()
    return {
        "articles": n,
        "added": report.added,
        "ingest_s": round(t1 - t0, 3),
        "ingest_articles_per_s": round(n / (t1 - t0), 1),
        "reingest_noop_s": round(t2 - t1, 3),
        "reingest_duplicates": again.duplicates,
        "clean_subset": len(subset),
        "subset_ingest_s": round(t4 - t3, 3),
        "subset_clean_s": round(t5 - t4, 3),
        "ingest_clean_articles_per_s": round(len(subset) / (t5 - t3), 1),
    }


# -- 3. peak memory on 100k articles ---------------------------------------------------------

_CHILD = r"""
import json, resource, sqlite3, sys, threading, time
from wiretrace.config import Config
from wiretrace.ingest import ingest
from wiretrace.store import Store

source, db = sys.argv[1], sys.argv[2]
samples = []
done = threading.Event()

def status_mb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0

def rss_mb():
    return status_mb("VmRSS")

def sample():
    # One reader connection and an index lookup: a COUNT(*) per sample would scan the
    # table through this process's page cache and show up in the very RSS being measured.
    conn = None
    while not done.is_set():
        n = 0
        try:
            conn = conn or sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)
            n = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM documents").fetchone()[0]
        except sqlite3.Error:
            conn = None
        samples.append((round(time.perf_counter() - t0, 2), round(rss_mb(), 1), n))
        done.wait(0.5)

t0 = time.perf_counter()
rss_before = rss_mb()
thread = threading.Thread(target=sample, daemon=True)
thread.start()
with Store(db) as store:
    report = ingest(store, [source], Config())
done.set(); thread.join()
elapsed = time.perf_counter() - t0
print(json.dumps({"added": report.added, "errors": len(report.errors), "seconds": elapsed,
                  "rss_start_mb": round(rss_before, 1),
                  "peak_rss_mb": round(status_mb("VmHWM"), 1),
                  "ru_maxrss_mb": round(
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "samples": samples}))
"""


def bench_memory(n: int, tmp: Path, kind: str) -> dict[str, object]:
    if kind == "jsonl":
        source = tmp / "big.jsonl"
        write_jsonl(source, n)
        size = source.stat().st_size
    else:
        source = tmp / "big"
        write_texts(source, n, seed=4)
        size = sum(p.stat().st_size for p in source.rglob("*.txt"))
    db = tmp / f"big-{kind}.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(source), str(db)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    samples = result.pop("samples")
    quarters = {}
    for frac in (0.25, 0.5, 0.75, 1.0):
        hit = next((s for s in samples if s[2] >= frac * n), samples[-1] if samples else None)
        if hit:
            quarters[f"rss_mb_at_{int(frac * 100)}pct"] = hit[1]
    db.unlink(missing_ok=True)
    return {
        "source": kind,
        "articles": n,
        "input_mb": round(size / 1e6, 1),
        "articles_per_s": round(n / result["seconds"], 1),
        **result,
        **quarters,
        "rss_trace": samples[:: max(1, len(samples) // 20)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--texts", type=int, default=5000)
    parser.add_argument("--clean-texts", type=int, default=300)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    results: dict[str, object] = {
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
        },
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        results["html"] = bench_html(args.pages, tmp)
        print("html", json.dumps(results["html"]), flush=True)
        results["text"] = bench_text(args.texts, args.clean_texts, tmp)
        print("text", json.dumps(results["text"]), flush=True)
        if args.skip_memory and RESULTS.exists():
            # Keep the last memory measurements (and say when they were taken).
            earlier = json.loads(RESULTS.read_text())
            for key, value in earlier.items():
                if key.startswith("memory_"):
                    results[key] = value
                    results["memory_measured_when"] = earlier.get(
                        "memory_measured_when", earlier.get("when")
                    )
        if not args.skip_memory:
            for kind in ("jsonl", "directory"):
                results[f"memory_{kind}"] = bench_memory(args.big, tmp, kind)
                shown = {k: v for k, v in results[f"memory_{kind}"].items() if k != "rss_trace"}
                print(f"memory_{kind}", json.dumps(shown), flush=True)
    results["benchmark_process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
