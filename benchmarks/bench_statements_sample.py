"""Sampled statement groups on PolNeAR dev, each with a check that it holds one claim.

A statement joins the quotes of one canonical speaker in different articles that say the
same thing. This script runs attribution, canonical speakers and statement grouping (the
code of the ``statements`` stage, on parses instead of a store) over the PolNeAR dev texts,
samples groups with a fixed seed and checks each: all members share the speaker, and every
two members agree on the claim — their content words overlap (at least a third of the
shorter one's content words are shared) and the figures they state do not differ (when both
state numbers, they share one). A group failing the check is "mixed"; the members are
printed so a reader can judge them too. The check is a flag, not a verdict: grouping
itself asks the claims of two quotes (read from the parse: predicates, arguments, figures,
negation) to agree, so the flag is weak evidence either way; read the groups.

Run: .venv/bin/python benchmarks/bench_statements_sample.py [--cache DIR] [--sample 40]
Writes benchmarks/results/statements_sample.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "statements_sample.json"
_NUMBER = re.compile(r"\d[\d,.]*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def content_words(text: str) -> set[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return {w.lower() for w in _WORD.findall(text) if len(w) > 2 and w.lower() not in STOP_WORDS}


def numbers(text: str) -> set[str]:
    return {n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text)}


def same_claim(a: str, b: str) -> tuple[bool, str]:
    """Whether two quotes can state one claim, and why not."""
    wa, wb = content_words(a), content_words(b)
    if wa and wb and len(wa & wb) / min(len(wa), len(wb)) < 1 / 3:
        return False, "few shared content words"
    na, nb = numbers(a), numbers(b)
    if na and nb and not na & nb:
        return False, "different figures"
    return True, ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="Keep parses here.")
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--split", default="dev", help="dev, or train (for tuning).")
    parser.add_argument("--limit", type=int, default=None, help="First N texts only.")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_attribution import polnear_parses

    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.attribution.speakers import canonical_speakers
    from wiretrace.attribution.statements import group_statements, quote_claims
    from wiretrace.nlp import load_spacy
    from wiretrace.nlp.models import NlpConfig, nlp_embedder

    cfg = AttributionConfig()
    nlp = load_spacy("en_core_web_md")
    records: dict[str, dict[str, Any]] = {}
    found = []
    claims = {}
    for document, doc in polnear_parses(args.split, nlp, args.cache, args.limit):
        x = extract(doc, document.name, cfg)
        records[document.name] = {
            "entities": [e.as_dict() for e in x.entities],
            "speaker_kinds": x.speaker_kinds,
        }
        found.extend(x.quotes)
        claims.update({q.id: quote_claims(q, doc) for q in x.quotes})
    canon = canonical_speakers(records, found)
    from dataclasses import replace

    quotes = [replace(q, speaker=canon.speaker_of(q)) for q in found]
    kinds = {s.name: s.kind for s in canon.speakers}
    embedder = nlp_embedder(NlpConfig())
    statements = group_statements(
        quotes,
        embedder,
        cfg.statement_threshold,
        kinds=kinds,
        claims=claims,
        strong=cfg.statement_strong,
    )
    by_id = {q.id: q for q in quotes}
    rng = random.Random(args.seed)
    sample = rng.sample(statements, min(args.sample, len(statements)))
    groups = []
    for st in sample:
        members = [by_id[i] for i in st.quotes]
        problems = sorted(
            {
                why
                for i, a in enumerate(members)
                for b in members[i + 1 :]
                for ok, why in [same_claim(a.text, b.text)]
                if not ok
            }
            | ({"speakers differ"} if len({q.speaker for q in members}) > 1 else set())
        )
        groups.append(
            {
                "speaker": st.speaker,
                "mixed": bool(problems),
                "problems": problems,
                "quotes": [{"article": q.article, "text": q.text[:300]} for q in members],
            }
        )
    result = {
        "split": args.split,
        "texts": len(records),
        "quotes": len(quotes),
        "statements": len(statements),
        "sampled": len(groups),
        "mixed": sum(g["mixed"] for g in groups),
        "speakers_of_statements": sorted({str(s.speaker) for s in statements}),
        "groups": groups,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for g in groups:
        flag = "MIXED " + ", ".join(g["problems"]) if g["mixed"] else "ok"
        print(f"== {g['speaker']} [{flag}]")
        for q in g["quotes"]:
            print(f"   {q['article'][:30]}: {q['text'][:160]}")
    print(json.dumps({k: result[k] for k in ("quotes", "statements", "sampled", "mixed")}))


if __name__ == "__main__":
    main()
