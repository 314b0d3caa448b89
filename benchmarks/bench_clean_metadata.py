"""Article metadata (byline, outlet, date) of real pages, checked against their meta tags.

For 100 pages of ``../shared/corpora/extraction-dev`` (25 per dataset), the byline, outlet
and date Wiretrace gives (ingest + clean, as a user runs them) are compared with what the
page itself declares in its ``<meta>`` tags and JSON-LD, read here independently with lxml:

- junk bylines: a byline holding a date, a digit, a job title or other lower-case words, a
  handle or address, the publisher's own name, or more than four names;
- outlets: junk (a copyright line, a date, a sentence) or disagreeing with both the page's
  declared site name and its host;
- dates: wrong when the page declares a publication date and ours differs from it (by
  calendar day); where the page declares none in these tags, ours (from other date markup,
  the URL or a dateline in the text) cannot be checked and is counted apart.

Run: .venv/bin/python benchmarks/bench_clean_metadata.py [--pages-per-set 25]
Writes benchmarks/results/clean_metadata.json.
"""

from __future__ import annotations

import argparse
import calendar
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "corpora" / "extraction-dev"
RESULTS = ROOT / "benchmarks" / "results" / "clean_metadata.json"

from wiretrace.clean.stage import clean_document  # noqa: E402
from wiretrace.evaluation.cleaning import EXTRACTION_DATASETS, extraction_pages  # noqa: E402
from wiretrace.ingest.pages import Hints, html_document  # noqa: E402
from wiretrace.models import RawDocument  # noqa: E402
from wiretrace.nlp import load_spacy  # noqa: E402

_CALENDAR = {w.lower() for w in (*calendar.day_name, *calendar.month_name) if w}
_PARTICLES = {"de", "da", "di", "del", "van", "von", "der", "den", "la", "le", "bin", "al"}
_DATE_PROPS = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publishdate",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
)


def declared(html: str) -> dict[str, str | None]:
    """What the page declares: site name, author, publication date (meta tags, JSON-LD)."""
    from lxml import html as lhtml  # type: ignore[import-untyped]

    try:
        tree = lhtml.fromstring(html)
    except (ValueError, TypeError, Exception):
        return {"site": None, "author": None, "date": None}
    found: dict[str, str | None] = {"site": None, "author": None, "date": None}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = " ".join((meta.get("content") or "").split())
        if not value:
            continue
        if key in ("og:site_name", "application-name") and not found["site"]:
            found["site"] = value
        elif key in ("author", "article:author", "dc.creator", "byl") and not found["author"]:
            found["author"] = value
        elif key in _DATE_PROPS and not found["date"] and value[:4].isdigit():
            found["date"] = value[:10].replace("/", "-")
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        for item in items:
            if isinstance(item, dict):
                when = item.get("datePublished")
                if isinstance(when, str) and when[:4].isdigit() and not found["date"]:
                    found["date"] = when[:10].replace("/", "-")
    return found


def junk_byline(byline: str, outlet: str | None) -> str | None:
    """Why a byline is not a list of people or desks, or None."""
    names = [n.strip() for n in byline.split(",") if n.strip()]
    if len(names) > 4:
        return "more than four names"
    for name in names:
        words = name.split()
        if any(ch.isdigit() for ch in name):
            return "digit"
        if any(w.lower().strip(".,;:") in _CALENDAR for w in words):
            return "date word"
        if any(ch in name for ch in "@/|") or "http" in name.lower():
            return "handle or address"
        if any(w[0].islower() and w.lower() not in _PARTICLES for w in words):
            return "lower-case word (role or sentence)"
        if outlet and "".join(name.lower().split()) == "".join(outlet.lower().split()):
            return "publisher's name"
        if len(words) > 5:
            return "too long for a name"
    return None


def junk_outlet(outlet: str) -> bool:
    lowered = outlet.lower()
    return (
        "copyright" in lowered
        or "©" in outlet
        or sum(ch.isdigit() for ch in outlet) >= 4
        or len(outlet.split()) > 6
    )


def _key(text: str) -> str:
    return "".join(ch for ch in text.lower().removeprefix("www.") if ch.isalnum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages-per-set", type=int, default=25)
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"{DATA}: extraction dev set not found")
    nlp = load_spacy("en_core_web_md")
    counts: dict[str, int] = {
        "pages": 0,
        "bylines": 0,
        "junk_bylines": 0,
        "outlets": 0,
        "junk_outlets": 0,
        "outlets_disagreeing": 0,
        "dates": 0,
        "pages_declaring_a_date": 0,
        "dates_right": 0,
        "wrong_dates": 0,
        "dates_missing_though_declared": 0,
        "dates_where_none_declared": 0,
    }
    examples: dict[str, list[dict[str, Any]]] = {
        "junk_bylines": [],
        "wrong_dates": [],
        "outlets": [],
    }
    seen: dict[str, int] = {}
    for rec in extraction_pages(DATA, EXTRACTION_DATASETS):
        if seen.get(rec["dataset"], 0) >= args.pages_per_set:
            continue
        seen[rec["dataset"]] = seen.get(rec["dataset"], 0) + 1
        page = f"{rec['dataset']}/{rec['source_case']}"
        doc = html_document(rec["html"], page, Hints(url=rec["url"]))
        if not isinstance(doc, RawDocument):
            continue
        result = clean_document(doc, nlp)
        meta = declared(rec["html"])
        counts["pages"] += 1
        if result.byline:
            counts["bylines"] += 1
            why = junk_byline(result.byline, result.outlet)
            if why:
                counts["junk_bylines"] += 1
                examples["junk_bylines"].append(
                    {"page": page, "byline": result.byline, "why": why, "meta": meta["author"]}
                )
        if result.outlet:
            counts["outlets"] += 1
            host = urlsplit(rec["url"] or "").hostname or ""
            agrees = _key(result.outlet) in (_key(meta["site"] or "-"), _key(host)) or (
                bool(host) and _key(result.outlet) in _key(host)
            )
            if junk_outlet(result.outlet):
                counts["junk_outlets"] += 1
            if not agrees:
                counts["outlets_disagreeing"] += 1
                examples["outlets"].append(
                    {"page": page, "outlet": result.outlet, "site": meta["site"], "host": host}
                )
        if meta["date"]:
            counts["pages_declaring_a_date"] += 1
        if result.published:
            counts["dates"] += 1
            if meta["date"]:
                if result.published[:10] == meta["date"]:
                    counts["dates_right"] += 1
                else:
                    counts["wrong_dates"] += 1
                    examples["wrong_dates"].append(
                        {"page": page, "ours": result.published, "declared": meta["date"]}
                    )
            else:
                counts["dates_where_none_declared"] += 1
        elif meta["date"]:
            counts["dates_missing_though_declared"] += 1
    result_json = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "counts": counts,
        "examples": {k: v[:15] for k, v in examples.items()},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result_json, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result_json, indent=1))


if __name__ == "__main__":
    main()
