"""Article text of real news pages against their hand-made gold bodies, beside trafilatura.

Pages: ``../shared/corpora/extraction-dev`` (L3S-GN1, Dragnet train, CleanPortalEval,
Readability test pages; see its README). In one run, on the same pages:

- ``wiretrace``: ingest (page metadata) + the ``clean`` stage, as a user runs them: the
  pages of one outlet share a store, so repetition across an outlet's pages counts;
- ``trafilatura``: ``trafilatura.extract(html, url=url)`` with its defaults;
- ``trafilatura_precision``: the same with ``favor_precision=True``;
- ``extractor_body``: trafilatura with the settings Wiretrace calls it with, i.e. the body
  before Wiretrace's own cleaning (what cleaning gained or lost is the difference).

Scores: bag-of-tokens precision/recall/F1 per page (``wiretrace.evaluation.cleaning``),
averaged per dataset, per language of the gold body and over all pages; lost bodies =
pages with F1 < 0.2 where trafilatura scores > 0.8. Speed: process CPU seconds of
ingest + clean over trafilatura's default extraction of the same pages (``ratio_cpu``),
with peak RSS.

Lost pages whose gold holds the page's reader comments (which Wiretrace leaves out) are
listed under ``lost_to_reader_comments`` with the F1 of Wiretrace's text plus those comments.

Run: .venv/bin/python benchmarks/bench_extraction.py [--limit N] [--datasets l3s-gn1 ...]
Writes benchmarks/results/extraction.json (``--worst N``: the N lowest-F1 pages per dataset,
with precision (what was added) and recall (what was lost)).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "corpora" / "extraction-dev"
RESULTS = ROOT / "benchmarks" / "results"

from wiretrace.clean.html import extract_body, parse_page  # noqa: E402
from wiretrace.clean.language import detect_language  # noqa: E402
from wiretrace.clean.stage import STAGE  # noqa: E402
from wiretrace.config import Config  # noqa: E402
from wiretrace.evaluation.cleaning import (  # noqa: E402
    EXTRACTION_DATASETS,
    LOST_F1,
    PEER_OK_F1,
    PageScore,
    extraction_pages,
    summarise,
    token_prf,
)
from wiretrace.ingest.pages import Hints, html_document  # noqa: E402
from wiretrace.models import IngestError, RawDocument  # noqa: E402
from wiretrace.nlp import NlpConfig, load_spacy  # noqa: E402
from wiretrace.pipeline import NullReporter  # noqa: E402
from wiretrace.store import Store  # noqa: E402

SYSTEMS = ["wiretrace", "trafilatura", "trafilatura_precision", "extractor_body"]


def load(datasets: list[str], limit: int | None) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for rec in extraction_pages(DATA, datasets):
        n = counts.get(rec["dataset"], 0)
        if limit is not None and n >= limit:
            continue
        counts[rec["dataset"]] = n + 1
        pages.append(rec)
    return pages


def run_trafilatura(pages: list[dict[str, Any]], **options: Any) -> tuple[list[str], float]:
    import trafilatura

    cpu = time.process_time()
    texts = [trafilatura.extract(p["html"], url=p["url"], **options) or "" for p in pages]
    return texts, time.process_time() - cpu


def run_wiretrace(
    pages: list[dict[str, Any]], removed: list[list[tuple[str, str]]] | None = None
) -> tuple[list[str], dict[str, float]]:
    """Ingest (metadata) and clean every page as a user would; CPU seconds of each.

    ``removed``, when given, receives each page's removed pieces (text, kind)."""
    cpu = time.process_time()
    docs: list[RawDocument | IngestError] = [
        html_document(p["html"], f"{p['dataset']}/{p['source_case']}.html", Hints(url=p["url"]))
        for p in pages
    ]
    ingest_cpu = time.process_time() - cpu
    texts = [""] * len(pages)
    with Store(":memory:") as store:
        good = [(i, d) for i, d in enumerate(docs) if isinstance(d, RawDocument)]
        ids = store.add_documents([d for _, d in good])
        cpu = time.process_time()
        STAGE.run(store, Config(), NullReporter())
        clean_cpu = time.process_time() - cpu
        by_id = {a.id: a for a in store.iter_articles()}
        for (i, _), (doc_id, _) in zip(good, ids, strict=True):
            article = by_id.get(doc_id)
            texts[i] = "" if article is None else article.text
            if removed is not None and article is not None:
                removed[i] = [(r.text, r.kind) for r in article.removed]
    return texts, {"ingest_cpu_s": ingest_cpu, "clean_cpu_s": clean_cpu}


def _prf(score: Any) -> dict[str, float]:
    return {
        "f1": round(score.f1, 3),
        "precision": round(score.precision, 3),
        "recall": round(score.recall, 3),
    }


def comment_losses(
    pages: list[dict[str, Any]], scored: list[PageScore], ours: list[str]
) -> dict[str, float]:
    """Lost bodies whose missing gold is the page's reader comments.

    Some gold bodies (Dragnet's, where the annotators did not mark the comments apart)
    include the comment thread; Wiretrace keeps the article and leaves the comments out
    on purpose. For each page Wiretrace lost, the F1 of its text plus the comments
    trafilatura finds on the page: high means the article itself was kept.
    """
    from trafilatura import bare_extraction

    out: dict[str, float] = {}
    for p, page, text in zip(pages, scored, ours, strict=True):
        if not (page.scores["wiretrace"].f1 < LOST_F1 < PEER_OK_F1 < page.scores["trafilatura"].f1):
            continue
        doc = bare_extraction(p["html"], url=p["url"], include_comments=True)
        comments = getattr(doc, "comments", None) or ""
        out[page.page] = round(token_prf(f"{text}\n{comments}", p["text"]).f1, 3)
    return out


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _positions(lines: list[str], bag: Counter[str]) -> dict[str, int]:
    """Words of the lines mostly absent from ``bag``, by where they sit: above the first
    line found in it (head), below the last (tail), or between (interior)."""
    found = []
    for line in lines:
        tokens = line.split()
        found.append(sum((Counter(tokens) & bag).values()) >= 0.5 * len(tokens))
    first = found.index(True) if any(found) else len(lines)
    last = len(found) - 1 - found[::-1].index(True) if any(found) else -1
    out = {"head": 0, "tail": 0, "interior": 0}
    for j, (line, ok) in enumerate(zip(lines, found, strict=True)):
        if not ok:
            where = "head" if j < first else "tail" if j > last else "interior"
            out[where] += len(line.split())
    return out


def loss_breakdown(
    pages: list[dict[str, Any]],
    outputs: dict[str, list[str]],
    removed: list[list[tuple[str, str]]],
) -> dict[str, Any]:
    """Where Wiretrace's F1 goes, per dataset (means over pages of shares of words).

    Precision: words of Wiretrace's lines that are not in the gold, by place (head, tail,
    interior of the text). Recall: gold words Wiretrace lacks, split into those the
    extractor never had (``extractor_body``) and those cleaning removed (by the kind of
    the removed piece that held them), and by place in the gold. ``best_of`` is the mean
    per-page best F1 among the systems run: a ceiling for choosing between them.
    """
    rows: dict[str, list[dict[str, float]]] = {}
    for i, p in enumerate(pages):
        gold, ours, body = p["text"], outputs["wiretrace"][i], outputs["extractor_body"][i]
        gold_bag, ours_bag = Counter(gold.split()), Counter(ours.split())
        n_ours, n_gold = max(sum(ours_bag.values()), 1), max(sum(gold_bag.values()), 1)
        row: dict[str, float] = {"f1": token_prf(ours, gold).f1}
        for where, n in _positions(_lines(ours), gold_bag).items():
            row[f"precision_loss_{where}"] = n / n_ours
        missing = gold_bag - ours_bag
        in_body = sum((missing & Counter(body.split())).values())
        row["recall_loss_extractor"] = (sum(missing.values()) - in_body) / n_gold
        row["recall_loss_cleaning"] = in_body / n_gold
        for text, kind in removed[i]:
            key = f"recall_loss_cleaning_{kind}"
            share = sum((Counter(text.split()) & missing).values()) / n_gold
            row[key] = row.get(key, 0.0) + share
        for where, n in _positions(_lines(gold), ours_bag).items():
            row[f"recall_loss_gold_{where}"] = n / n_gold
        row["best_of"] = max(token_prf(out[i], gold).f1 for out in outputs.values())
        rows.setdefault(p["dataset"], []).append(row)
    rows["overall"] = [r for name, rs in rows.items() for r in rs]
    table: dict[str, Any] = {}
    for name, rs in rows.items():
        keys = sorted({k for r in rs for k in r})
        table[name] = {k: round(sum(r.get(k, 0.0) for r in rs) / len(rs), 4) for k in keys}
        table[name]["pages"] = len(rs)
        table[name]["pages_below_0.9"] = sum(r["f1"] < 0.9 for r in rs)
        table[name]["pages_below_0.5"] = sum(r["f1"] < 0.5 for r in rs)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="pages per dataset")
    parser.add_argument("--datasets", nargs="*", default=list(EXTRACTION_DATASETS))
    parser.add_argument("--out", default="extraction.json")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages per set")
    parser.add_argument(
        "--losses",
        action="store_true",
        help="also run trafilatura favor_recall and write where the F1 goes (loss_breakdown)",
    )
    parser.add_argument(
        "--speed",
        action="store_true",
        help="only Wiretrace and trafilatura's defaults (the speed ratio and both scores, in "
        "less than half the time of a full run)",
    )
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA}: extraction dev set not found")
    pages = load(args.datasets, args.limit)
    # One-time set-up (model loads, first-call imports) is not part of the timings.
    load_spacy(Config().section("nlp", NlpConfig).spacy_model)
    run_trafilatura(pages[:1])
    run_wiretrace(pages[:1])

    systems = SYSTEMS[:2] if args.speed else SYSTEMS
    default, default_cpu = run_trafilatura(pages)
    removed: list[list[tuple[str, str]]] = [[] for _ in pages]
    ours, cpu = run_wiretrace(pages, removed)
    outputs = {"wiretrace": ours, "trafilatura": default}
    precision_cpu = 0.0
    if not args.speed:
        precision, precision_cpu = run_trafilatura(pages, favor_precision=True)
        outputs["trafilatura_precision"] = precision
        outputs["extractor_body"] = [extract_body(parse_page(p["html"]), p["url"]) for p in pages]
    scored = [
        PageScore(
            f"{p['dataset']}/{p['source_case']}",
            p["dataset"],
            {name: token_prf(outputs[name][i], p["text"]) for name in systems},
        )
        for i, p in enumerate(pages)
    ]
    table = summarise(scored, systems, peer="trafilatura")
    # Per language of the gold body (the detector cleaning uses), all datasets pooled.
    by_language = [
        PageScore(page.page, detect_language(p["text"].splitlines()), page.scores)
        for page, p in zip(scored, pages, strict=True)
    ]
    languages = summarise(by_language, systems, peer="trafilatura")
    languages.pop("overall")
    ours_cpu = cpu["ingest_cpu_s"] + cpu["clean_cpu_s"]
    result: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "pages": len(pages),
        "limit_per_dataset": args.limit,
        "scorer": "bag-of-tokens P/R/F1 per page (whitespace tokens), mean per dataset",
        "scores": table,
        "scores_by_language": languages,
        "speed": {
            "trafilatura_cpu_s": round(default_cpu, 3),
            "trafilatura_precision_cpu_s": round(precision_cpu, 3),
            "wiretrace_ingest_cpu_s": round(cpu["ingest_cpu_s"], 3),
            "wiretrace_clean_cpu_s": round(cpu["clean_cpu_s"], 3),
            "ratio_cpu": round(ours_cpu / default_cpu, 2),
            "ratio_basis": "process CPU s of ingest + clean over trafilatura.extract defaults",
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
    }
    if args.losses and not args.speed:
        recall, _ = run_trafilatura(pages, favor_recall=True)
        result["losses"] = loss_breakdown(pages, {**outputs, "trafilatura_recall": recall}, removed)
    result["lost_to_reader_comments"] = comment_losses(pages, scored, ours)
    # Lost pages where even the comments added back do not give the peer's F1: the article.
    result["lost_articles"] = sorted(
        k for k, f1 in result["lost_to_reader_comments"].items() if f1 <= PEER_OK_F1
    )
    if args.worst:
        worst: dict[str, list[dict[str, Any]]] = {}
        for page in scored:
            ours_s, peer = page.scores["wiretrace"], page.scores["trafilatura"]
            worst.setdefault(page.dataset, []).append(
                {
                    "page": page.page,
                    "wiretrace": _prf(ours_s),
                    "trafilatura": _prf(peer),
                    "gap": round(peer.f1 - ours_s.f1, 3),
                }
            )
        result["worst"] = {
            k: sorted(v, key=lambda r: r["wiretrace"]["f1"])[: args.worst] for k, v in worst.items()
        }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"{'dataset':<16} {'pages':>5} " + " ".join(f"{s:>22}" for s in systems))
    for name, row in [*table.items(), *((f"lang:{k}", v) for k, v in languages.items())]:
        cells = " ".join(
            f"{row[s]['f1']:>8.4f} (lost {row[s]['lost_bodies']:>3})".rjust(22) for s in systems
        )
        print(f"{name:<16} {row['pages']:>5} {cells}")
    print(json.dumps(result["speed"]))
    print("lost pages, F1 with the page's comments added:", result["lost_to_reader_comments"])
    print("lost articles (not explained by comments):", result["lost_articles"])


if __name__ == "__main__":
    main()
