"""Precision of figures on real news: a seeded sample of PolNeAR dev figures, hand-checked.

``sample`` parses a seeded choice of PolNeAR dev articles (read at run time from
../shared, never copied), extracts their figures with the installed Wiretrace, and prints
a seeded sample of them with context for checking by hand. ``score`` reads a checked list
(TSV: file, start, end, value, verdict, note; verdict ``ok`` or ``junk``; no corpus text)
and reports the precision of whichever extraction is installed on the figures of that
list: a figure the extraction finds that the list does not cover is reported as unchecked.

Run it once with the code before a change and once after, on the same seed, so the two
precisions come from one checked list:

    python benchmarks/figures_polnear_sample.py sample --articles 20 --figures 40
    python benchmarks/figures_polnear_sample.py score benchmarks/figures_polnear_checked.tsv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEV = HERE.parents[0].parent / "shared" / "corpora" / "polnear-dev" / "data" / "dev" / "text"


def articles(count: int, seed: int) -> list[Path]:
    files = sorted(DEV.glob("*.txt"))
    return sorted(random.Random(seed).sample(files, min(count, len(files))))


def figures(paths: list[Path]) -> list[dict[str, Any]]:
    from wiretrace.figures.extract import figures_in, time_expressions
    from wiretrace.nlp import load_spacy

    nlp = load_spacy()
    out: list[dict[str, Any]] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        published = date.fromisoformat(path.name.split("_")[1])
        doc = nlp(text)
        for f in figures_in(doc, time_expressions(doc, published)):
            out.append(
                {
                    "file": path.name,
                    "start": f.span.start,
                    "end": f.span.end,
                    "value": f.low if f.low == f.high else f"{f.low}-{f.high}",
                    "kind": f.kind,
                    "what": f.what,
                    "context": text[max(0, f.span.start - 70) : f.span.end + 50].replace("\n", " "),
                }
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sample")
    s.add_argument("--articles", type=int, default=20)
    s.add_argument("--figures", type=int, default=40)
    s.add_argument("--seed", type=int, default=18)
    c = sub.add_parser("score")
    c.add_argument("checked", type=Path)
    c.add_argument("--articles", type=int, default=20)
    c.add_argument("--seed", type=int, default=18)
    c.add_argument("--out", type=Path)
    args = parser.parse_args()
    found = figures(articles(args.articles, args.seed))
    if args.cmd == "sample":
        picked = random.Random(args.seed).sample(found, min(args.figures, len(found)))
        for f in sorted(picked, key=lambda f: (f["file"], f["start"])):
            print(json.dumps(f, ensure_ascii=False))
        print(json.dumps({"figures_found": len(found)}))
        return
    with args.checked.open(encoding="utf-8") as handle:
        checked = {
            (r["file"], int(r["start"]), int(r["end"])): r
            for r in csv.DictReader(handle, delimiter="\t")
        }
    verdicts = [
        checked[k]["verdict"] for f in found if (k := (f["file"], f["start"], f["end"])) in checked
    ]
    result = {
        "articles": args.articles,
        "figures_found": len(found),
        "checked_found": len(verdicts),
        "ok": verdicts.count("ok"),
        "junk": verdicts.count("junk"),
        "precision": round(verdicts.count("ok") / len(verdicts), 3) if verdicts else None,
        "checked_list": len(checked),
        "checked_not_found": len(checked) - len(verdicts),
    }
    print(json.dumps(result))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
