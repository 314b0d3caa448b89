"""A generated wire cascade: a few agencies publish, dozens of outlets take from them.

For layout tests and benchmarks of views that only read articles and reuse links (the
provenance graph at hundreds of articles): the articles are written through the store's
ingest calls, the links are the planted copies themselves, with the true spans of the
passage in both texts.
Some takers copy verbatim, some edit, some reword, and some only quote the same official as
the source did (kind ``quote``: shared reporting, not copying), the mix the reuse stage
reports on real news. No model is loaded, so building 300 articles takes a second or two.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

from wiretrace.models import CleanResult, RawDocument
from wiretrace.store import Store

_SYL = ["ka", "lo", "ven", "dri", "mar", "tes", "ul", "bor", "ni", "sa", "grel", "tho", "pen"]
KINDS = ("verbatim", "near-verbatim", "paraphrase", "quote")


def _sentence(rng: random.Random) -> str:
    words = [
        "".join(rng.choice(_SYL) for _ in range(rng.randint(1, 3)))
        for _ in range(rng.randint(9, 16))
    ]
    return " ".join(words).capitalize() + "."


def build_cascade(path: Path, articles: int = 300, seed: int = 5) -> dict[str, int]:
    """Write ``articles`` articles and their planted links to a new store at ``path``;
    returns how many articles and links of each kind were written."""
    rng = random.Random(seed)
    agencies = ["Wire One", "Capital Press", "Union Agency"]
    outlets = [
        f"{rng.choice(['North', 'South', 'East', 'West', 'Metro', 'Valley'])} "
        f"{rng.choice(['Herald', 'Courier', 'Times', 'Post', 'Ledger', 'Gazette'])} {i}"
        for i in range(18)
    ]
    start = datetime(2024, 5, 1, 6, 0)
    written: list[tuple[str, str, str]] = []  # (id, text, outlet)
    links: list[tuple[str, str, int, int, int, int, str, float]] = []
    counts = dict.fromkeys(KINDS, 0)
    with Store(path) as store:
        n = 0
        while n < articles:
            # a wire story, then the outlets that pick it up over the next hours and days
            when = start + timedelta(hours=rng.randint(0, 24 * 20))
            agency = rng.choice(agencies)
            body = [_sentence(rng) for _ in range(8)]
            text = "\n\n".join(body)
            source = _write(store, text, agency, when, f"wire-{n}", rng)
            written.append((source, text, agency))
            n += 1
            for _ in range(rng.randint(1, 9)):
                if n >= articles:
                    break
                kind = rng.choices(KINDS, weights=(5, 3, 2, 2))[0]
                pick = rng.randint(0, len(body) - 2)
                passage = " ".join(body[pick : pick + 2]) if kind != "quote" else body[pick]
                taken = passage
                if kind == "near-verbatim":
                    taken = passage.replace(passage.split()[3], "sakalo", 1)
                elif kind == "paraphrase":
                    taken = " ".join(reversed(passage.rstrip(".").split())).capitalize() + "."
                own = [_sentence(rng) for _ in range(rng.randint(2, 6))]
                at = rng.randint(0, len(own))
                parts = [*own[:at], taken, *own[at:]]
                derived_text = "\n\n".join(parts)
                d0 = derived_text.index(taken)
                s0 = text.index(passage) if passage in text else text.index(body[pick])
                outlet = rng.choice(outlets)
                later = when + timedelta(hours=rng.randint(1, 60))
                derived = _write(store, derived_text, outlet, later, f"take-{n}", rng)
                written.append((derived, derived_text, outlet))
                n += 1
                links.append(
                    (
                        source,
                        derived,
                        s0,
                        s0 + len(passage),
                        d0,
                        d0 + len(taken),
                        kind,
                        round(rng.uniform(0.6, 1.0), 2),
                    )
                )
                counts[kind] += 1
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO reuse_links (source, derived, source_start, source_end,"
                " derived_start, derived_end, kind, score) VALUES (?,?,?,?,?,?,?,?)",
                links,
            )
    return {"articles": len(written), **counts}


def _write(
    store: Store, text: str, outlet: str, when: datetime, name: str, rng: random.Random
) -> str:
    [(doc_id, _)] = store.add_documents(
        [RawDocument(source=f"{name}.txt", content=text, fmt="text", url=None)]
    )
    title = " ".join(text.split()[: rng.randint(4, 8)]).rstrip(".").capitalize()
    store.put_article(
        doc_id,
        CleanResult(text=text, title=title, outlet=outlet, byline=None, published=when.isoformat()),
    )
    return doc_id
