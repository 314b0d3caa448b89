"""Plain-text articles: how many get a title, byline, outlet and date, and how many are wrong.

Inputs (read from ``../shared/corpora``, never copied):

- ``polnear-dev``: the PolNeAR dev texts; each file's first line is the article's headline
  (the corpus layout), so a title is right when it is that line;
- ``extraction-dev``: each page's gold body fed as plain text; a title is right when it
  matches the title the page itself declares (``<title>``, ``og:title``; token overlap
  of at least ``MATCH``), and wrong otherwise.

All documents of a corpus go through the ``clean`` stage in one store, as for a user.
Also counted: bylines, outlets and dates found in header lines, an outlet equal to a
byline name (a person taken for the outlet), and a sample of wrong titles to read.

Run: .venv/bin/python benchmarks/bench_plaintext_metadata.py [--limit N]
Writes benchmarks/results/plaintext_metadata.json.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results" / "plaintext_metadata.json"

from plaintext_inputs import clean_all, gold_bodies, polnear_texts, run_limit  # noqa: E402

from wiretrace.models import RawDocument  # noqa: E402

MATCH = 0.6
_WORD = re.compile(r"\w+")


def _tokens(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def same_title(ours: str, truth: str) -> bool:
    """Ours is the declared title, or the declared one is ours plus a site suffix."""
    a, b = _tokens(ours), _tokens(truth)
    return bool(a) and len(a & b) >= MATCH * len(a)


def about_the_article(truth: str, body: str) -> bool:
    """Whether a declared title can judge ours: at least half of its longer words occur in the
    body. Some pages declare only the site ("Footballworld.com | A Netsports Site") or a
    section ("Sports section front"); a headline taken from the text cannot match those."""
    words = {w for w in _tokens(truth) if len(w) >= 4}
    return bool(words) and len(words & _tokens(body)) * 2 >= len(words)


def declared_title(html: str) -> str | None:
    from lxml import html as lhtml  # type: ignore[import-untyped]

    try:
        tree = lhtml.fromstring(html)
    except Exception:
        return None
    for xpath in ('//meta[@property="og:title"]/@content', "//title/text()"):
        found = [t.strip() for t in tree.xpath(xpath) if t and t.strip()]
        if found:
            return str(found[0])
    return None


def measure(name: str, docs: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """``(source, text, true title or None)``: None means the truth is unknown."""
    articles = clean_all([RawDocument(src, text, "text") for src, text, _ in docs]).articles
    titled = right = wrong = unknown = wrong_judged = 0
    wrong_examples: list[dict[str, str]] = []
    person_outlets: list[str] = []
    counts = {"byline": 0, "outlet": 0, "published": 0}
    for (src, text, truth), a in zip(docs, articles, strict=True):
        if a is None:
            continue
        for field in counts:
            counts[field] += getattr(a, field) is not None
        names = {n.strip().lower() for n in (a.byline or "").split(",") if n.strip()}
        if a.outlet and a.outlet.lower() in names:
            person_outlets.append(f"{src}: {a.outlet}")
        if not a.title:
            continue
        titled += 1
        if truth is None:
            unknown += 1
        elif same_title(a.title, truth):
            right += 1
        else:
            wrong += 1
            judged = about_the_article(truth, text)
            wrong_judged += judged
            if len(wrong_examples) < 40:
                wrong_examples.append(
                    {"doc": src, "ours": a.title[:160], "truth": truth[:160], "judged": judged}
                )
    with_truth = sum(1 for _, _, t in docs if t)
    return {
        "corpus": name,
        "documents": len(docs),
        "documents_with_a_known_title": with_truth,
        "titled": titled,
        "titles_right": right,
        "titles_wrong": wrong,
        "titles_unchecked": unknown,
        "title_recall": round(right / with_truth, 4) if with_truth else None,
        "title_precision": round(right / (right + wrong), 4) if right + wrong else None,
        # Wrong only where the declared title is about the article (not a site or section).
        "titles_wrong_against_an_article_title": wrong_judged,
        "title_precision_against_article_titles": (
            round(right / (right + wrong_judged), 4) if right + wrong_judged else None
        ),
        **{f"with_{k}": v for k, v in counts.items()},
        "outlet_equal_to_a_byline_name": len(person_outlets),
        "person_outlets": person_outlets[:10],
        "wrong_titles": wrong_examples,
    }


def main() -> None:
    limit = run_limit(__doc__)
    polnear = [
        (src, text, text.strip().split("\n", 1)[0].strip()) for src, text in polnear_texts(limit)
    ]
    gold = [(src, text, declared_title(page["html"])) for src, text, page in gold_bodies(limit)]
    started = time.process_time()
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "polnear_dev": measure("polnear-dev texts", polnear),
        "extraction_dev_gold_as_text": measure("extraction-dev gold bodies", gold),
        "cpu_s": round(time.process_time() - started, 1),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
