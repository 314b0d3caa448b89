"""Shared fixtures: an in-memory store, and one store per corpus analysed by the real stages
(demo, karabakh-2023 when present, and a small hostile corpus for the web UI), each built
once per session and only read by the tests that share it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.models import Quote
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
KARABAKH = ROOT.parent / "shared" / "corpora" / "karabakh-2023"
EXAMPLES = ROOT / "examples"


# Fixtures that run the real stages, hence load the language models.
ANALYSED_STORES = frozenset(
    {
        "demo_analysed",
        "demo_db",
        "demo_export",
        "karabakh_analysed",
        "karabakh_db",
        "karabakh_export",
        "web_db",
    }
)


# Fixtures that load a language model.
MODEL_FIXTURES = ANALYSED_STORES | {"nlp"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test reading an analysed store or a model is ``slow``, wherever it is."""
    for item in items:
        if MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def store() -> Iterator[Store]:
    s = Store(":memory:")
    yield s
    s.close()


@pytest.fixture
def config() -> Config:
    return Config()


@pytest.fixture(scope="session")
def nlp():  # type: ignore[no-untyped-def]
    """The default spaCy pipeline, loaded once for every test that parses text."""
    from wiretrace.nlp import load_spacy

    return load_spacy()


def quotes_of(nlp, text: str) -> list[Quote]:  # type: ignore[no-untyped-def]
    """The quotes the attribution stage extracts from one parsed text."""
    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract

    return list(extract(nlp(text), "a", AttributionConfig()).quotes)


def one(quotes: list[Quote], fragment: str) -> Quote:
    """The one quote whose text holds ``fragment``."""
    hits = [q for q in quotes if fragment in q.text]
    assert len(hits) == 1, [(q.text, q.speaker) for q in quotes]
    return hits[0]


@pytest.fixture(scope="session")
def karabakh_dir() -> Path:
    if not (KARABAKH / "gold.json").exists():
        pytest.skip("karabakh-2023 corpus not present beside the project")
    return KARABAKH


@dataclass(frozen=True)
class Analysed:
    """A session store and what each stage read and wrote while building it."""

    path: Path
    accesses: dict[str, frozenset[tuple[str, str]]]  # ("read" | "write", table or blob:KIND)
    processed: dict[str, int]  # articles (or items) each stage processed


def analyse(db: Path, inputs: list[str], watchlist: Path | None = None) -> Analysed:
    """Ingest ``inputs`` into a new store at ``db`` and run every stage, as a user would.

    Each stage runs under SQLite's authorizer (:func:`wiretrace.pipeline.recording`); what it
    read and wrote is returned by stage name, so the contract tests check the real run of
    every session store without analysing anything again.
    """
    from wiretrace.ingest import ingest
    from wiretrace.narratives.api import import_file
    from wiretrace.pipeline import Pipeline, recording

    accesses: dict[str, frozenset[tuple[str, str]]] = {}
    processed: dict[str, int] = {}
    pipeline = Pipeline.default()
    with Store(db) as s:
        report = ingest(s, inputs, Config())
        assert not report.errors, report.errors
        if watchlist is not None:
            import_file(s, watchlist)
        for stage in pipeline.stages:
            with recording(s) as seen:
                [done] = pipeline.run(s, Config(), only=[stage.name])
            assert not done.errors, done
            accesses[stage.name] = frozenset(seen)
            processed[stage.name] = done.processed
    return Analysed(db, accesses, processed)


def copy_store(db: Path, to: Path) -> Path:
    """A private copy of a session store, for a test that writes to it."""
    with Store(db) as s:
        s.conn.execute("VACUUM INTO ?", (str(to),))
    return to


@pytest.fixture(scope="session")
def karabakh_analysed(karabakh_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    """The karabakh corpus ingested as plain files and fully analysed, once per session."""
    db = tmp_path_factory.mktemp("karabakh") / "k.db"
    return analyse(db, sorted(str(p) for p in karabakh_dir.glob("*.txt")))


@pytest.fixture(scope="session")
def karabakh_db(karabakh_analysed: Analysed) -> Path:
    """The analysed karabakh store. Tests only read it; a test that writes works on
    :func:`copy_store`."""
    return karabakh_analysed.path


@pytest.fixture(scope="session")
def karabakh_export(karabakh_db: Path) -> dict:
    from wiretrace.export import export_dict

    with Store(karabakh_db) as s:
        return export_dict(s)


@pytest.fixture(scope="session")
def demo_analysed(tmp_path_factory: pytest.TempPathFactory) -> Analysed:
    """The bundled demo corpus and its watchlist, fully analysed, once per session."""
    corpus = EXAMPLES / "corpus"
    if not corpus.exists():
        pytest.skip("demo corpus not present")
    db = tmp_path_factory.mktemp("demo") / "d.db"
    return analyse(db, [str(corpus)], EXAMPLES / "watchlist.toml")


@pytest.fixture(scope="session")
def demo_db(demo_analysed: Analysed) -> Path:
    """The analysed demo store (tests only read it)."""
    return demo_analysed.path


@pytest.fixture(scope="session")
def demo_export(demo_db: Path) -> dict:
    """The export of the analysed demo store (what ``wiretrace export`` writes)."""
    from wiretrace.export import export_dict

    with Store(demo_db) as s:
        return export_dict(s)


# -- web UI and report: a small corpus with hostile text, analysed by the real stages ------

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror="alert(1)"><a href="javascript:alert(2)">go</a>'
)


def build_hostile_store(path: Path, hostile: str = HOSTILE) -> dict[str, str]:
    """A store written row by row (no models): articles, reuse, quotes, figures, a story and a
    narrative; returns ids. Only for the terminal tests, which build many; the web UI and the
    report are tested on :func:`build_web_store`, analysed by the real stages.

    One article (``evil``) carries script tags, event handlers and ``javascript:`` links in
    every field a page shows, for the security tests (``hostile`` replaces that payload,
    e.g. with terminal markup for the command-line tests).
    """
    from wiretrace.models import CleanResult, RawDocument, Removed, Span

    wire = (
        "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
        "moved from the flooded lower town overnight.\n\n"
        "\u201cWe are doing everything we can to keep people safe,\u201d said Mayor Ilse Varga, "
        "who toured the shelters before dawn.\n\n"
        "The regional water agency expects the river to crest on Thursday."
    )
    copy = (
        "Harbor Daily has learned that relief trucks reached the town at noon.\n\n"
        "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
        "moved from the flooded lower town overnight.\n\n"
        "Shop owners on Quay Street said the water rose faster than in 2019."
    )
    rewrite = (
        "About 3,400 people have now left the lower town of Maren, according to the mayor's "
        "office, as the river kept rising.\n\n"
        "Mayor Ilse Varga said her team was doing all it could to protect residents.\n\n"
        "Critics say the warning came too late, blaming the river authority for the delay."
    )
    evil = (
        f"Breaking {hostile} news from Maren.\n\n"
        "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
        "moved from the flooded lower town overnight.\n\n"
        f"\u201c{hostile}\u201d said the spokesman."
    )
    docs = {
        "wire": (
            wire,
            "Northbay Courier",
            "Maren evacuates lower town",
            "2031-03-02",
            "https://courier.example/maren",
        ),
        "copy": (copy, "Harbor Daily", "Relief trucks reach Maren", "2031-03-03", None),
        "rewrite": (
            rewrite,
            "Eastern Ledger",
            "Thousands leave Maren as river rises",
            "2031-03-05",
            None,
        ),
        "evil": (evil, f"Evil {hostile}", f"Title {hostile}", "2031-03-04", "javascript:alert(3)"),
    }
    ids: dict[str, str] = {}
    with Store(path) as s:
        for name, (text, outlet, title, published, url) in docs.items():
            [(doc_id, _)] = s.add_documents(
                [RawDocument(source=f"{name}.txt", content=text, fmt="text", url=url)]
            )
            ids[name] = doc_id
            removed = (Removed(text=f"Donate now {hostile}", kind="boilerplate"),)
            s.put_article(
                doc_id,
                CleanResult(
                    text=text,
                    title=title,
                    outlet=outlet,
                    byline="Staff" if name != "evil" else hostile,
                    published=published,
                    removed=removed,
                ),
            )
            starts = [0] + [i + 2 for i in range(len(text)) if text.startswith("\n\n", i)]
            ends = [i for i in range(len(text)) if text.startswith("\n\n", i)] + [len(text)]
            s.put_sentences(doc_id, [Span(a, b) for a, b in zip(starts, ends, strict=True)])
        texts = {name: d[0] for name, d in docs.items()}
        passage = texts["wire"].split("\n\n")[0]

        def span(name: str, snippet: str) -> tuple[int, int]:
            start = texts[name].index(snippet)
            return start, start + len(snippet)

        conn = s.conn
        with s.transaction():
            for derived in ("copy", "evil"):
                a, b = span("wire", passage)
                c, d = span(derived, passage)
                conn.execute(
                    "INSERT INTO reuse_links (source, derived, source_start, source_end,"
                    " derived_start, derived_end, kind, score) VALUES (?,?,?,?,?,?,?,?)",
                    (ids["wire"], ids[derived], a, b, c, d, "verbatim", 1.0),
                )
            para_src = "We are doing everything we can to keep people safe"
            para_dst = "Mayor Ilse Varga said her team was doing all it could to protect residents"
            conn.execute(
                "INSERT INTO reuse_links (source, derived, source_start, source_end,"
                " derived_start, derived_end, kind, score) VALUES (?,?,?,?,?,?,?,?)",
                (
                    ids["wire"],
                    ids["rewrite"],
                    *span("wire", para_src),
                    *span("rewrite", para_dst),
                    "paraphrase",
                    0.81,
                ),
            )
            conn.execute(
                "INSERT INTO speakers (id, name, kind, role) VALUES (?,?,?,?)",
                ("ilse-varga", "Ilse Varga", "person", "mayor of Maren"),
            )
            conn.execute(
                "INSERT INTO speakers (id, name, kind) VALUES (?,?,?)",
                ("spokesman", f"Spokes {hostile}", "person"),
            )
            # as the attribution stages write them: a quote names its speaker canonically
            quotes = [
                ("q1", "wire", para_src, "direct", "Ilse Varga", "Mayor Ilse Varga", "said"),
                (
                    "q2",
                    "rewrite",
                    "her team was doing all it could to protect residents",
                    "indirect",
                    "Ilse Varga",
                    "Mayor Ilse Varga",
                    "said",
                ),
                ("q3", "evil", hostile, "direct", f"Spokes {hostile}", "the spokesman", "said"),
            ]
            for qid, name, text, kind, speaker, who, cue in quotes:
                start = texts[name].rindex(text) if name == "evil" else texts[name].index(text)
                ss, se = span(name, who) if who in texts[name] else (None, None)
                conn.execute(
                    "INSERT INTO article_quotes (id, article, start, end, text, kind, speaker,"
                    " speaker_start, speaker_end, cue) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (qid, ids[name], start, start + len(text), text, kind, speaker, ss, se, cue),
                )
            conn.execute("INSERT INTO statements (id, speaker) VALUES ('st1', 'Ilse Varga')")
            conn.executemany(
                "INSERT INTO statement_quotes (statement_id, quote_id) VALUES ('st1', ?)",
                [("q1",), ("q2",)],
            )
            conn.execute(
                "INSERT INTO article_figures (id, article, start, end, value_low, value_high, unit,"
                " what, as_of) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    "f1",
                    ids["wire"],
                    *span("wire", "1,200 residents"),
                    1200,
                    1200,
                    "people",
                    "people moved from the lower town",
                    "2031-03-02",
                ),
            )
            conn.execute(
                "INSERT INTO article_figures (id, article, start, end, value_low, value_high, unit,"
                " what, as_of) VALUES (?,?,?,?,?,?,?,?,?)",
                (
                    "f2",
                    ids["rewrite"],
                    *span("rewrite", "About 3,400 people"),
                    3400,
                    3400,
                    "people",
                    "people moved from the lower town",
                    "2031-03-05",
                ),
            )
            conn.execute(
                "INSERT INTO figure_groups (id, what, relation) VALUES"
                " (1, 'people moved from the lower town', 'update')"
            )
            conn.executemany(
                "INSERT INTO figure_group_members (group_id, figure_id) VALUES (1, ?)",
                [("f1",), ("f2",)],
            )
            conn.execute("INSERT INTO stories (id, title) VALUES ('s1', 'Flooding in Maren')")
            conn.executemany(
                "INSERT INTO story_articles (story_id, article_id) VALUES ('s1', ?)",
                [(ids[n],) for n in ("wire", "copy", "rewrite", "evil")],
            )
            conn.executemany(
                "INSERT INTO substories (id, story_id, title) VALUES (?, 's1', ?)",
                [
                    ("sub-a", "River rises in Maren"),
                    ("sub-b", '<script>alert("x")</script> thread'),
                ],
            )
            conn.executemany(
                "INSERT INTO substory_articles (substory_id, article_id) VALUES (?, ?)",
                [
                    ("sub-a", ids["wire"]),
                    ("sub-a", ids["copy"]),
                    ("sub-b", ids["rewrite"]),
                    ("sub-b", ids["evil"]),
                ],
            )
            conn.execute(
                "INSERT INTO narratives (id, statement) VALUES"
                " ('late-warning', 'The authorities warned too late')"
            )
            conn.execute(
                "INSERT INTO narrative_hits (narrative_id, article, start, end, score, speaker)"
                " VALUES (?,?,?,?,?,?)",
                (
                    "late-warning",
                    ids["rewrite"],
                    *span("rewrite", "Critics say the warning came too late"),
                    0.74,
                    "critics",
                ),
            )
            conn.execute(
                "INSERT INTO reuse_provenance (article, source, share) VALUES (?, ?, 0.48)",
                (ids["copy"], ids["wire"]),
            )
            conn.execute(
                "INSERT INTO reuse_unsourced (article, start, end) VALUES (?, ?, ?)",
                (ids["rewrite"], *span("rewrite", texts["rewrite"].split("\n\n")[2])),
            )
            conn.execute(
                "INSERT INTO claims (id, text, rank, articles, outlets, speakers, spread,"
                " first_date, last_date) VALUES ('c1', 'the river rose faster than before',"
                " 1, 2, 2, 1, 0.5, '2031-03-03', '2031-03-05')"
            )
            conn.executemany(
                "INSERT INTO claim_members (claim_id, article, start, end, match_start, match_end)"
                " VALUES ('c1', ?, 0, 10, 0, 10)",
                [(ids["copy"],), (ids["rewrite"],)],
            )
    return ids


# "txt.exe" after U+202E displays as "exe.txt" in a bidi-aware renderer.
BIDI_SPOOF = "invoice \u202etxt.exe\u202c and \u2066isolated\u2069 text"

MAREN = {
    "wire": {
        "text": (
            "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
            "moved from the flooded lower town overnight.\n\n"
            "\u201cWe are doing everything we can to keep people safe,\u201d said Mayor Ilse "
            "Varga, who toured the shelters before dawn.\n\n"
            "The regional water agency expects the river to crest on Thursday."
        ),
        "outlet": "Northbay Courier",
        "title": "Maren evacuates lower town",
        "published": "2031-03-02",
        "url": "https://courier.example/maren",
        "author": "Staff",
    },
    "copy": {
        "text": (
            "Harbor Daily has learned that relief trucks reached the town at noon.\n\n"
            "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
            "moved from the flooded lower town overnight.\n\n"
            "Shop owners on Quay Street said the water rose faster than in 2019."
        ),
        "outlet": "Harbor Daily",
        "title": "Relief trucks reach Maren",
        "published": "2031-03-03",
        "url": "https://harbor.example/maren-relief",
        "author": "Staff",
    },
    "rewrite": {
        "text": (
            "About 3,400 people have now left the lower town of Maren, according to the mayor's "
            "office, as the river kept rising.\n\n"
            "\u201cWe are doing everything we can to keep people safe,\u201d Mayor Ilse Varga "
            "told reporters on Wednesday.\n\n"
            "Critics say the warning came too late, blaming the river authority for the delay."
        ),
        "outlet": "Eastern Ledger",
        "title": "Thousands leave Maren as river rises",
        "published": "2031-03-05",
        "url": "https://ledger.example/maren",
        "author": "Staff",
    },
    "evil": {
        "text": (
            f"Breaking {HOSTILE} news from Maren.\n\n"
            "Officials in the river port of Maren said on Tuesday that 1,200 residents had been "
            "moved from the flooded lower town overnight.\n\n"
            "Relief trucks reached the flooded town at noon, and the regional water agency "
            "expects the river to crest on Thursday.\n\n"
            f"\u201c{HOSTILE}\u201d said Spokesman Odo Brill."
        ),
        "outlet": f"Evil {HOSTILE} {BIDI_SPOOF}",
        "title": f"Title {HOSTILE}",
        "published": "2031-03-04",
        "url": "javascript:alert(3)",
        "author": HOSTILE,
    },
}

WATCHLIST = """
[[narrative]]
id = "late-warning"
statement = "The warning came too late, and the river authority is to blame for the delay."
examples = ["Critics say the warning came too late, blaming the river authority for the delay."]
"""


def build_web_store(path: Path) -> dict[str, str]:
    """The Maren corpus (one article carries script tags, event handlers and ``javascript:``
    links in every field a page shows) analysed by every stage; returns article ids by name."""
    import json

    from wiretrace import read

    folder = path.parent / "maren"
    folder.mkdir()
    lines = [json.dumps(doc, ensure_ascii=False) for doc in MAREN.values()]
    (folder / "maren.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "watchlist.toml").write_text(WATCHLIST, encoding="utf-8")
    analyse(path, [str(folder / "maren.jsonl")], folder / "watchlist.toml")
    conn = read.connect_readonly(path)
    try:
        by_title = {m.title: m.id for m in read.article_meta(conn, read.article_ids(conn)).values()}
        ids = {name: by_title[doc["title"]] for name, doc in MAREN.items()}
        [story] = read.story_rows(conn)
        ids["story"] = story.id
        quotes = read.quotes_in(conn, None)
        ids["ilse"] = next(
            q.speaker_id for q in quotes if q.speaker == "Ilse Varga" and q.speaker_id
        )
        # a speaker quoted in the hostile article: its page lists the quote under the
        # hostile outlet name (the speaker's own name too, where the parse takes it in)
        in_evil = [q for q in quotes if q.article == ids["evil"] and q.speaker_id]
        ids["hostile"] = next(
            (q.speaker_id for q in in_evil if "<" in (q.speaker or "")), in_evil[0].speaker_id
        )
        # a speaker quoted only outside the copy/wire pair: absent from a report scoped to it
        in_pair = {q.speaker_id for q in quotes if q.article in (ids["copy"], ids["wire"])}
        ids["outside"] = next(
            q.speaker_id
            for q in quotes
            if q.article == ids["rewrite"] and q.speaker_id and q.speaker_id not in in_pair
        )
    finally:
        conn.close()
    return ids


@pytest.fixture(scope="session")
def web_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Path of the analysed Maren store; ids of its articles by name, of its one story
    (``story``), of the mayor (``ilse``) and of a speaker quoted only in the rewrite
    (``outside``)."""
    db = tmp_path_factory.mktemp("web") / "web.db"
    ids = build_web_store(db)
    return db, ids


def build_big_story(path: Path, articles: int = 300) -> tuple[str, list[str]]:
    """A store of ``articles`` generated wire articles (``benchmarks/wire_cascade``) held in
    one story, with the clustering features the stories stage stores, so a correction of it
    applies as on an analysed store (no model runs); the story id and its articles, oldest
    first."""
    import numpy as np
    from wire_cascade import build_cascade

    from wiretrace.stories import tables
    from wiretrace.stories.cluster import ArticleFeatures, StoryState

    build_cascade(path, articles)
    rng = np.random.default_rng(3)
    with Store(path) as store:
        ids = store.article_ids()
        state = StoryState("story-0123456789ab", 0, np.zeros(16, dtype=np.float32))
        for a in ids:
            vector = rng.normal(size=16).astype(np.float32)
            found = ArticleFeatures(a, vector / np.linalg.norm(vector), ("Korrin dam",), None)
            state.add(found, 10)
            store.put_blob(tables.FEATURE_BLOB, a, store.text_hash(a), tables.pack_features(found))
        tables.write_story(store, state, "The Korrin dam wire cascade", ids)
        dated = sorted((store.get_article(a).published or "9999", a) for a in ids)
    return state.id, [a for _, a in dated]
