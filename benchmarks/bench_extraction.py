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


def run_wiretrace(pages: list[dict[str, Any]]) -> tuple[list[str], dict[str, float]]:
    """Ingest (metadata) and clean every page as a user would; CPU seconds of each."""
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
        by_id = {a.id: a.text for a in store.iter_articles()}
        for (i, _), (doc_id, _) in zip(good, ids, strict=True):
            texts[i] = by_id.get(doc_id, "")
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None, help="pages per dataset")
    parser.add_argument("--datasets", nargs="*", default=list(EXTRACTION_DATASETS))
    parser.add_argument("--out", default="extraction.json")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages per set")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA}: extraction dev set not found")
    pages = load(args.datasets, args.limit)
    # One-time set-up (model loads, first-call imports) is not part of the timings.
    load_spacy(Config().section("nlp", NlpConfig).spacy_model)
    run_trafilatura(pages[:1])
    run_wiretrace(pages[:1])

    default, default_cpu = run_trafilatura(pages)
    precision, precision_cpu = run_trafilatura(pages, favor_precision=True)
    ours, cpu = run_wiretrace(pages)
    bodies = [extract_body(parse_page(p["html"]), p["url"]) for p in pages]
    outputs = {
        "wiretrace": ours,
        "trafilatura": default,
        "trafilatura_precision": precision,
        "extractor_body": bodies,
    }
    scored = [
        PageScore(
            f"{p['dataset']}/{p['source_case']}",
            p["dataset"],
            {name: token_prf(outputs[name][i], p["text"]) for name in SYSTEMS},
        )
        for i, p in enumerate(pages)
    ]
    table = summarise(scored, SYSTEMS, peer="trafilatura")
    # Per language of the gold body (the detector cleaning uses), all datasets pooled.
    by_language = [
        PageScore(page.page, detect_language(p["text"].splitlines()), page.scores)
        for page, p in zip(scored, pages, strict=True)
    ]
    languages = summarise(by_language, SYSTEMS, peer="trafilatura")
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
    print(f"{'dataset':<16} {'pages':>5} " + " ".join(f"{s:>22}" for s in SYSTEMS))
    for name, row in [*table.items(), *((f"lang:{k}", v) for k, v in languages.items())]:
        cells = " ".join(
            f"{row[s]['f1']:>8.4f} (lost {row[s]['lost_bodies']:>3})".rjust(22) for s in SYSTEMS
        )
        print(f"{name:<16} {row['pages']:>5} {cells}")
    print(json.dumps(result["speed"]))
    print("lost pages, F1 with the page's comments added:", result["lost_to_reader_comments"])
    print("lost articles (not explained by comments):", result["lost_articles"])


if __name__ == "__main__":
    main()
