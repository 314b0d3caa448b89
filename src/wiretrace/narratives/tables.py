"""Reads and writes of the narrative tables (hits, claims, state) and the quotes they use."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np

from ..models import Narrative, NarrativeHit, Span
from ..store import Store
from .discovery import Claim
from .watchlist import Example


def get_state(store: Store, key: str) -> str | None:
    row = store.conn.execute("SELECT value FROM narrative_state WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_state(store: Store, key: str, value: str) -> None:
    with store.transaction() as conn:
        conn.execute(
            "INSERT OR REPLACE INTO narrative_state (key, value) VALUES (?, ?)", (key, value)
        )


# narrative_state key prefix of a narrative's decision threshold: the probability at which
# its echoes are decided (a learnt model's out-of-fold threshold, or the zero-shot one),
# which the review lists order unsure echoes by
THRESHOLD = "threshold:"


def set_thresholds(store: Store, thresholds: Mapping[str, float]) -> None:
    """Replace the stored decision thresholds with ``thresholds`` (narrative id -> p)."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM narrative_state WHERE key LIKE ?", (THRESHOLD + "%",))
        conn.executemany(
            "INSERT INTO narrative_state (key, value) VALUES (?, ?)",
            [(THRESHOLD + nid, repr(float(t))) for nid, t in sorted(thresholds.items())],
        )


def segment_sizes(store: Store, kind: str) -> dict[str, tuple[int, int]]:
    """(segments, dimension) of each article's current segment blob, read from its 8-byte
    header only, so that the corpus index can be allocated once before it is filled."""
    out: dict[str, tuple[int, int]] = {}
    for article, head in store.conn.execute(
        "SELECT b.article_id, substr(b.data, 1, 8) FROM blobs b JOIN articles a"
        " ON a.id = b.article_id WHERE b.kind = ? AND b.text_hash = a.text_hash",
        (kind,),
    ):
        n, dim = (int(x) for x in np.frombuffer(bytes(head), dtype=np.int32))
        out[str(article)] = (n, dim)
    return out


def outlet_and_date(store: Store, article: str) -> tuple[str | None, str | None]:
    """An article's outlet and publication date ((None, None) when it is unknown), read
    alone: claims look up only their members' articles, so the corpus stage holds no
    map of every article's outlet and date."""
    row = store.conn.execute(
        "SELECT outlet, published FROM articles WHERE id = ?", (article,)
    ).fetchone()
    return (None, None) if row is None else (row[0], row[1])


def title_lengths(store: Store) -> dict[str, int]:
    """Length of each article's title (articles without a title left out)."""
    return {
        str(a): int(n)
        for a, n in store.conn.execute(
            "SELECT id, length(title) FROM articles WHERE title IS NOT NULL AND trim(title) != ''"
        )
    }


def quote_speakers(store: Store, article: str) -> list[tuple[Span, str]]:
    """Quote spans of an article with a speaker's display name (empty if quotes not found)."""
    rows = store.conn.execute(
        "SELECT start, end, speaker FROM quotes WHERE article = ? AND speaker IS NOT NULL",
        (article,),
    ).fetchall()
    return [(Span(int(r[0]), int(r[1])), str(r[2])) for r in rows]


def speaker_at(quotes: Sequence[tuple[Span, str]], span: Span) -> str | None:
    """The speaker of the quote that holds most of ``span``, if any."""
    best: tuple[int, str] | None = None
    for qspan, name in quotes:
        overlap = min(qspan.end, span.end) - max(qspan.start, span.start)
        if (
            overlap > 0
            and overlap * 2 >= min(len(span), len(qspan))
            and (best is None or overlap > best[0])
        ):
            best = (overlap, name)
    return None if best is None else best[1]


def write_hits(
    store: Store, rows: Iterable[tuple[str, NarrativeHit, Span, float]], narratives: Sequence[str]
) -> int:
    """Replace the hits of the given narratives: (narrative, hit, matched clause, cosine)."""
    n = 0
    with store.transaction() as conn:
        conn.executemany(
            "DELETE FROM narrative_hits WHERE narrative_id = ?", [(nid,) for nid in narratives]
        )
        for nid, hit, match, similarity in rows:
            conn.execute(
                "INSERT OR REPLACE INTO narrative_hits (narrative_id, article, part, start, end,"
                " score, speaker, match_start, match_end, similarity) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    nid,
                    hit.article,
                    hit.part,
                    hit.span.start,
                    hit.span.end,
                    hit.score,
                    hit.speaker,
                    match.start,
                    match.end,
                    similarity,
                ),
            )
            n += 1
    return n


def hits(store: Store, narrative: str, unsure: bool = False) -> list[dict[str, Any]]:
    """Echoes of one narrative with outlet, date and verdict: best first, or with ``unsure``
    the unjudged ones nearest the narrative's threshold first (then the judged ones)."""
    threshold = get_state(store, THRESHOLD + narrative)
    rows = store.conn.execute(
        "SELECT h.*, a.outlet, a.published, a.title, CASE h.part WHEN 'title' THEN"
        " substr(a.title, h.start + 1, h.end - h.start) ELSE substr(a.text, h.start + 1,"
        " h.end - h.start) END AS sentence, (SELECT e.positive FROM narrative_examples e"
        " WHERE e.narrative_id = h.narrative_id AND e.article IS NULL AND e.origin = 'judge'"
        " AND e.text = (CASE h.part WHEN 'title' THEN substr(a.title, h.start + 1,"
        " h.end - h.start) ELSE substr(a.text, h.start + 1, h.end - h.start) END)"
        " ORDER BY e.id DESC LIMIT 1) AS verdict FROM narrative_hits h JOIN articles a"
        " ON a.id = h.article WHERE h.narrative_id = ? ORDER BY h.score DESC, h.similarity DESC",
        (narrative,),
    ).fetchall()
    if unsure:
        t = 0.5 if threshold is None else float(threshold)
        rows.sort(key=lambda r: (r["verdict"] is not None, abs(float(r["score"]) - t)))
    return [
        {
            "id": hit_id(narrative, r["article"], r["part"], r["start"]),
            "article": r["article"],
            "part": r["part"],
            "span": [r["start"], r["end"]],
            "score": r["score"],
            "similarity": r["similarity"],
            "speaker": r["speaker"],
            "outlet": r["outlet"],
            "published": r["published"],
            "title": r["title"],
            "sentence": r["sentence"],
            "match": None if r["match_start"] is None else [r["match_start"], r["match_end"]],
            "threshold": None if threshold is None else float(threshold),
            "verdict": None if r["verdict"] is None else bool(r["verdict"]),
        }
        for r in rows
    ]


def spread(store: Store, narrative: str) -> dict[str, Any]:
    """How a narrative travels: echo counts per date for each outlet and each speaker."""
    by_outlet: dict[str, Counter[str]] = defaultdict(Counter)
    by_speaker: dict[str, Counter[str]] = defaultdict(Counter)
    timeline = []
    for h in hits(store, narrative):
        day = (h["published"] or "undated")[:10]
        by_outlet[h["outlet"] or "(unknown outlet)"][day] += 1
        if h["speaker"]:
            by_speaker[h["speaker"]][day] += 1
        timeline.append(
            {"date": day, **{k: h[k] for k in ("article", "outlet", "speaker", "span", "score")}}
        )
    timeline.sort(key=lambda t: (t["date"], t["outlet"] or ""))
    return {
        "narrative": narrative,
        "by_outlet": {k: dict(sorted(v.items())) for k, v in sorted(by_outlet.items())},
        "by_speaker": {k: dict(sorted(v.items())) for k, v in sorted(by_speaker.items())},
        "timeline": timeline,
    }


def write_claims(
    store: Store, claims: Sequence[Claim], sentence_spans: Mapping[str, list[Span]]
) -> None:
    with store.transaction() as conn:
        conn.execute("DELETE FROM claim_members")
        conn.execute("DELETE FROM claims")
        for rank, c in enumerate(claims, 1):
            conn.execute(
                "INSERT OR IGNORE INTO claims (id, text, rank, articles, outlets, speakers, spread,"
                " first_date, last_date) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    c.id,
                    c.text,
                    rank,
                    c.articles,
                    c.outlets,
                    c.speakers,
                    c.spread,
                    c.first_date,
                    c.last_date,
                ),
            )
            for m in c.members:
                sent = sentence_spans[m.article][m.sentence]
                conn.execute(
                    "INSERT OR IGNORE INTO claim_members (claim_id, article, start, end,"
                    " match_start, match_end, speaker) VALUES (?,?,?,?,?,?,?)",
                    (c.id, m.article, sent.start, sent.end, m.match.start, m.match.end, m.speaker),
                )


def claims(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """Discovered recurring claims, best spread first, with their sentences."""
    sql = "SELECT * FROM claims ORDER BY rank" + ("" if limit is None else f" LIMIT {int(limit)}")
    out = []
    for r in store.conn.execute(sql).fetchall():
        members = [
            {
                "article": m["article"],
                "span": [m["start"], m["end"]],
                "match": [m["match_start"], m["match_end"]],
                "speaker": m["speaker"],
                "outlet": m["outlet"],
                "published": m["published"],
                "text": m["mtext"],
            }
            for m in store.conn.execute(
                "SELECT c.*, a.outlet, a.published, substr(a.text, c.match_start + 1,"
                " c.match_end - c.match_start) AS mtext FROM claim_members c"
                " JOIN articles a ON a.id = c.article WHERE c.claim_id = ?"
                " ORDER BY a.published, c.article, c.start",
                (r["id"],),
            )
        ]
        row = {k: r[k] for k in r.keys()}  # noqa: SIM118 (a Row iterates over values)
        out.append(row | {"members": members})
    return out


# -- the watchlist: narratives the user keeps -------------------------------------------


def save_narratives(store: Store, narratives: Sequence[Narrative]) -> None:
    """Add or replace narratives; a changed statement or example drops its old hits."""
    with store.transaction() as conn:
        for n in narratives:
            old = conn.execute(
                "SELECT statement, examples, counterexamples FROM narratives WHERE id = ?",
                (n.id,),
            ).fetchone()
            examples = json.dumps(list(n.examples), ensure_ascii=False)
            counter = json.dumps(list(n.counterexamples), ensure_ascii=False)
            if old is not None and tuple(old) != (n.statement, examples, counter):
                conn.execute("DELETE FROM narrative_hits WHERE narrative_id = ?", (n.id,))
            conn.execute(
                "INSERT INTO narratives (id, statement, examples, notes, parent, label,"
                " counterexamples) VALUES (?,?,?,?,?,?,?)"
                " ON CONFLICT(id) DO UPDATE SET statement=excluded.statement,"
                " examples=excluded.examples, notes=excluded.notes, parent=excluded.parent,"
                " label=excluded.label, counterexamples=excluded.counterexamples",
                (n.id, n.statement, examples, n.notes, n.parent, n.label, counter),
            )


def remove_narrative(store: Store, nid: str) -> bool:
    with store.transaction() as conn:
        conn.execute("DELETE FROM narrative_hits WHERE narrative_id = ?", (nid,))
        conn.execute("DELETE FROM narrative_examples WHERE narrative_id = ?", (nid,))
        conn.execute("UPDATE narratives SET parent = NULL WHERE parent = ?", (nid,))
        return conn.execute("DELETE FROM narratives WHERE id = ?", (nid,)).rowcount > 0


def load_narratives(store: Store) -> list[Narrative]:
    return [
        Narrative(
            id=r["id"],
            statement=r["statement"],
            examples=tuple(json.loads(r["examples"])),
            notes=r["notes"],
            parent=r["parent"],
            label=r["label"],
            counterexamples=tuple(json.loads(r["counterexamples"])),
        )
        for r in store.conn.execute("SELECT * FROM narratives ORDER BY id")
    ]


# -- labelled examples, label files, judged echoes ----------------------------------------


def save_examples(store: Store, examples: Sequence[Example]) -> int:
    """Add or overwrite examples (the same narrative and document/sentence: the last
    judgement wins). Returns how many were written."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with store.transaction() as conn:
        for e in examples:
            conn.execute(
                "DELETE FROM narrative_examples WHERE narrative_id = ?"
                " AND IFNULL(article, '') = ? AND IFNULL(text, '') = ?",
                (e.narrative, e.article or "", e.text or ""),
            )
            conn.execute(
                "INSERT INTO narrative_examples (narrative_id, article, text, positive, origin,"
                " at) VALUES (?,?,?,?,?,?)",
                (e.narrative, e.article, e.text, int(e.positive), e.origin, now),
            )
    return len(examples)


def drop_document_example(store: Store, narrative: str, article: str, origin: str) -> int:
    """Remove a document-level example of ``narrative`` that ``origin`` gave ``article``
    (a judge's right verdict withdrawn). Returns how many rows went."""
    with store.transaction() as conn:
        return conn.execute(
            "DELETE FROM narrative_examples WHERE narrative_id = ? AND article = ?"
            " AND text IS NULL AND origin = ?",
            (narrative, article, origin),
        ).rowcount


def load_examples(store: Store, narrative: str | None = None) -> list[Example]:
    """Stored examples (of one narrative, or all), in the order they were given."""
    sql = "SELECT narrative_id, positive, article, text, origin FROM narrative_examples"
    args: tuple[str, ...] = ()
    if narrative is not None:
        sql += " WHERE narrative_id = ?"
        args = (narrative,)
    return [
        Example(r[0], bool(r[1]), r[2], r[3], r[4])
        for r in store.conn.execute(sql + " ORDER BY id", args)
    ]


def articles_by_source(store: Store) -> dict[str, list[str]]:
    """Document (= article) ids under every source they were ingested from: the full source
    and its file name (the last path or URL component), so label files can name either.
    Documents not cleaned yet count too: their article gets the same id."""
    out: dict[str, list[str]] = defaultdict(list)
    for source, article in store.conn.execute("SELECT source, document_id FROM document_sources"):
        name = str(source).rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]
        for key in dict.fromkeys((str(source), name)):
            if article not in out[key]:
                out[key].append(article)
    return dict(out)


TITLE = "title"  # the ``part`` of an echo found in an article's title


def hit_id(narrative: str, article: str, part: str, start: int) -> str:
    """``NARRATIVE:ARTICLE:START`` for an echo in the body, ``NARRATIVE:ARTICLE:title`` for
    one in the title (the id ``narratives hits`` lists and ``narratives judge`` takes)."""
    return f"{narrative}:{article}:{TITLE if part == TITLE else start}"


def hit_row(
    store: Store, narrative: str, article: str, start: int, part: str = "body"
) -> dict[str, Any] | None:
    """One stored echo with its sentence (or title) text."""
    r = store.conn.execute(
        "SELECT h.*, CASE h.part WHEN 'title' THEN substr(a.title, h.start + 1, h.end - h.start)"
        " ELSE substr(a.text, h.start + 1, h.end - h.start) END AS sentence"
        " FROM narrative_hits h JOIN articles a ON a.id = h.article"
        " WHERE h.narrative_id = ? AND h.article = ? AND h.part = ? AND h.start = ?",
        (narrative, article, part, start),
    ).fetchone()
    return None if r is None else {k: r[k] for k in r.keys()}  # noqa: SIM118


def narratives_per_article(store: Store) -> dict[str, set[str]]:
    """The narratives each article echoes at least once."""
    out: dict[str, set[str]] = defaultdict(set)
    for nid, article in store.conn.execute(
        "SELECT DISTINCT narrative_id, article FROM narrative_hits"
    ):
        out[article].add(nid)
    return dict(out)
