"""The clean stage over a store: repetition per outlet, incrementally, and HTML pages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wiretrace.clean.config import CleanConfig
from wiretrace.clean.html import extract_body, parse_page
from wiretrace.clean.stage import STAGE, clean_document, named_recurring, repetition_for
from wiretrace.clean.text import Repetition
from wiretrace.config import Config
from wiretrace.models import RawDocument, Removed
from wiretrace.nlp import load_spacy
from wiretrace.pipeline import NullReporter, Pipeline, stage_key
from wiretrace.store import Store

pytestmark = pytest.mark.slow

BOX = "The Harbour Ledger is owned by the people who read it.\nIndependent local news since 1921"
QUOTE = "“We will rebuild the pier before the summer season,” Mayor Ruth Vale said."
FOLLOW_UP = "Work on the new pier is expected to start in May."


def ledger(title: str, body: list[str]) -> str:
    """An article of a fictional outlet: its appeal, its title, a mid-body box, its footer."""
    half = len(body) // 2
    paragraphs = [
        "Support The Harbour Ledger!",
        title,
        *body[:half],
        BOX,
        *body[half:],
        "A Message from The Harbour Ledger:",
        "Dear readers,",
        "If you value our reporting, please support us. Every contribution keeps you informed.",
    ]
    return "\n\n".join(paragraphs) + "\n"


def courier(title: str, date: str, body: list[str]) -> str:
    return "\n\n".join([title, f"{date} by Valley Courier", *body]) + "\n"


LEDGER_A = ledger(
    "Council Closes the Old Ferry Pier",
    [
        "The harbour council voted on Tuesday to close the old ferry pier for good.",
        "Engineers told councillors that two of the wooden piles had rotted through.",
        QUOTE,
        FOLLOW_UP,
        "Ferries will use the cargo quay until a new pier is built.",
    ],
)
LEDGER_B = ledger(
    "Ferry Fares to Rise in April",
    [
        "Fares on the island ferries will rise by a tenth in April, the operator said on Friday.",
        "The company blamed the cost of fuel and the move to the cargo quay.",
        "Season tickets for islanders will keep their current price.",
    ],
)
LEDGER_C = ledger(
    "Storm Damages the Harbour Wall",
    [
        "A winter storm tore a hole in the harbour wall on Sunday night.",
        "No boats were lost, but the fish market was closed for the day.",
    ],
)
COURIER_A = courier(
    "Avel pier to close",
    "March 3, 2024",
    [
        "The town of Port Avel will close its old ferry pier, its council decided on Tuesday.",
        QUOTE,
        FOLLOW_UP,
        "Islanders said the cargo quay was too far from the bus station.",
    ],
)
COURIER_B = courier(
    "Mayor promises new pier",
    "March 9, 2024",
    [
        "Port Avel's mayor promised on Saturday that a new ferry pier would be ready by June.",
        QUOTE,
        "The council has not yet said how the work will be paid for.",
    ],
)
ANONYMOUS = (
    "\n\n".join(
        [
            "A reader's copy of a harbour story, pasted without its page.",
            "The harbour council voted on Tuesday to close the old ferry pier for good.",
            BOX,
            "The pier was built in 1908 and last repaired in the 1970s.",
        ]
    )
    + "\n"
)


def _add(store: Store, *docs: tuple[str, str]) -> list[str]:
    return [
        doc_id
        for doc_id, _ in store.add_documents(
            [RawDocument(source=name, content=text, fmt="text") for name, text in docs]
        )
    ]


def _run(store: Store) -> None:
    STAGE.run(store, Config(), NullReporter())


def _article(store: Store, source: str):  # type: ignore[no-untyped-def]
    return next(a for a in store.iter_articles() if a.source == source)


@pytest.fixture(scope="module", autouse=True)
def _model() -> None:
    load_spacy("en_core_web_md")


def test_outlet_box_goes_shared_quote_across_outlets_stays(store: Store) -> None:
    _add(
        store,
        ("ledger-a.txt", LEDGER_A),
        ("ledger-b.txt", LEDGER_B),
        ("ledger-c.txt", LEDGER_C),
        ("courier-a.txt", COURIER_A),
        ("courier-b.txt", COURIER_B),
    )
    _run(store)
    for name in ("ledger-a.txt", "ledger-b.txt", "ledger-c.txt"):
        a = _article(store, name)
        assert a.outlet == "The Harbour Ledger"
        assert "owned by the people who read it" not in a.text
        assert "since 1921" not in a.text
        assert any("since 1921" in r.text and r.kind == "boilerplate" for r in a.removed)
        assert "Dear readers" not in a.text and "Support The Harbour Ledger" not in a.text
    a = _article(store, "ledger-a.txt")
    assert a.title == "Council Closes the Old Ferry Pier"
    assert a.text.split("\n\n") == [
        "The harbour council voted on Tuesday to close the old ferry pier for good.",
        "Engineers told councillors that two of the wooden piles had rotted through.",
        QUOTE,
        FOLLOW_UP,
        "Ferries will use the cargo quay until a new pier is built.",
    ]
    for name in ("courier-a.txt", "courier-b.txt"):
        c = _article(store, name)
        assert c.outlet == "Valley Courier"
        # repeated across outlets (ledger-a) and within the Courier: a quote, not boilerplate
        assert QUOTE in c.text
    assert FOLLOW_UP in _article(store, "courier-a.txt").text
    assert _article(store, "courier-b.txt").published == "2024-03-09"


def test_repetition_is_incremental(store: Store) -> None:
    (first,) = _add(store, ("ledger-a.txt", LEDGER_A))
    _run(store)
    alone = store.get_article(first)
    # one article shows no repetition: its box is still body text
    assert "since 1921" in alone.text
    store.mark_done("nlp", [first])
    assert store.pending("nlp") == []
    _add(store, ("ledger-b.txt", LEDGER_B))
    _run(store)
    again = store.get_article(first)
    assert "since 1921" not in again.text
    assert any("since 1921" in r.text for r in again.removed)
    # the first article's text changed, so later stages pick it up again
    assert first in store.pending("nlp")
    # nothing new: running again changes nothing
    before = {a.id: a.text for a in store.iter_articles()}
    _run(store)
    assert {a.id: a.text for a in store.iter_articles()} == before


def test_batches_that_make_earlier_lines_recur_give_the_one_batch_result(
    tmp_path, store: Store
) -> None:
    """Documents whose lines recur only in a later batch are cleaned again once, at the
    end of the run, and end as if every document had been cleaned in one batch."""
    docs = (
        ("ledger-a.txt", LEDGER_A),
        ("courier-a.txt", COURIER_A),
        ("ledger-b.txt", LEDGER_B),
        ("pasted.txt", ANONYMOUS),
        ("ledger-c.txt", LEDGER_C),
        ("courier-b.txt", COURIER_B),
    )
    _add(store, *docs)
    one_by_one = Config({"clean": {"batch_size": 1}})
    report = STAGE.run(store, one_by_one, NullReporter())
    # ledger-a's box recurs with ledger-b and the pasted copy; it is cleaned again once
    assert any("re-cleaned" in note for note in report.notes)
    assert store.pending_documents("clean", stage_key("clean", one_by_one)) == []
    with Store(tmp_path / "one.db") as whole:
        _add(whole, *docs)
        _run(whole)
        expected = {a.source: (a.text, a.outlet, a.removed) for a in whole.iter_articles()}
    assert {a.source: (a.text, a.outlet, a.removed) for a in store.iter_articles()} == expected


PIER_LINK = "Read more at https://harbour.example/pier"
FARES_LINK = "Fares: https://harbour.example/fares"


def test_a_document_owed_by_two_batches_is_cleaned_again_once(store: Store) -> None:
    # Two later batches each make another line of the first document recur.
    first = f"The council met on Tuesday.\n\n{PIER_LINK}\n\n{FARES_LINK}"
    second = f"Islanders were angry.\n\n{PIER_LINK}\n\nThe mayor said little."
    third = f"A storm hit the wall.\n\n{FARES_LINK}\n\nNo boats were lost."
    _add(store, ("one.txt", first), ("two.txt", second), ("three.txt", third))
    report = STAGE.run(store, Config({"clean": {"batch_size": 1}}), NullReporter())
    assert report.notes == ("1 earlier article(s) re-cleaned",)


def test_unknown_outlets_sharing_prose_later_owe_no_second_cleaning(tmp_path, store: Store) -> None:
    """Across unknown outlets only a recurring line with strong evidence can go: a shared
    sentence of prose makes no earlier document of unknown outlet be cleaned again, and the
    result is the one-batch result."""
    docs = (
        ("one.txt", "The council met on Tuesday.\n\nThe pier will close in May."),
        ("two.txt", f"Islanders were angry.\n\nThe pier will close in May.\n\n{PIER_LINK}"),
        ("three.txt", f"A storm hit the wall.\n\n{PIER_LINK}"),
    )
    _add(store, *docs)
    report = STAGE.run(store, Config({"clean": {"batch_size": 1}}), NullReporter())
    assert report.notes == ("1 earlier article(s) re-cleaned",)  # two.txt, for its link
    with Store(tmp_path / "one.db") as whole:
        _add(whole, *docs)
        _run(whole)
        expected = {a.source: (a.text, a.removed) for a in whole.iter_articles()}
    assert {a.source: (a.text, a.removed) for a in store.iter_articles()} == expected


def test_unknown_outlet_loses_a_known_outlets_box_but_gains_no_outlet(store: Store) -> None:
    _add(store, ("ledger-a.txt", LEDGER_A), ("ledger-b.txt", LEDGER_B), ("pasted.txt", ANONYMOUS))
    _run(store)
    pasted = _article(store, "pasted.txt")
    assert pasted.outlet is None
    assert "since 1921" not in pasted.text
    assert "The pier was built in 1908" in pasted.text


def test_unknown_outlets_share_text_without_losing_it(store: Store) -> None:
    # Two paragraphs in a row that recur would be a box within one outlet; between
    # documents of unknown outlet they may be reuse, so they stay.
    shared = f"{QUOTE}\n\n{FOLLOW_UP}"
    one = f"The council met on Tuesday.\n\n{shared}\n\nMore news follows on Friday."
    two = f"Islanders were angry on Wednesday.\n\n{shared}\n\nThe mayor did not comment."
    _add(store, ("one.txt", one), ("two.txt", two))
    _run(store)
    for name in ("one.txt", "two.txt"):
        assert shared in _article(store, name).text


def test_a_reused_paragraph_with_a_link_stays_across_unknown_outlets(store: Store) -> None:
    # A link (or a "you") in a paragraph two unknown sources share is no sign of a box:
    # the shared paragraph is what reuse detection must find.
    shared = (
        "The council published the engineers' report on https://harbour.example/pier-report "
        "on Tuesday, and it shows that two of the wooden piles had rotted through."
    )
    appeal = "Support our journalism! Donate today and help us keep reporting for you."
    one = f"The council met on Tuesday.\n\n{shared}\n\nMore news follows.\n\n{appeal}"
    two = (
        f"Islanders were angry on Wednesday.\n\n{shared}\n\nThe mayor did not comment.\n\n{appeal}"
    )
    _add(store, ("one.txt", one), ("two.txt", two))
    _run(store)
    for name in ("one.txt", "two.txt"):
        article = _article(store, name)
        assert shared in article.text
        assert appeal not in article.text


PAGE = """<html><head><title>Pier closes | Ledger</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Council closes the old ferry pier</h1>
<p>The harbour council voted on Tuesday to close the old ferry pier, which engineers say is no
longer safe for passengers or for the crews who tie up the boats.</p>
<p>Engineers told councillors that two of the wooden piles had rotted through and that the deck
could give way under a loaded van.</p>
<p>Support our journalism! Donate today and help us keep reporting for you.</p>
<p>Ferries will use the cargo quay until a new pier is built, the operator said on Wednesday.</p>
</article><footer>Copyright 2024 The Harbour Ledger</footer></body></html>"""


def test_html_page_body_metadata_and_chrome() -> None:
    nlp = load_spacy("en_core_web_md")
    doc = RawDocument(
        source="https://ledger.example/pier",
        content=PAGE,
        fmt="html",
        url="https://ledger.example/pier",
        title="Council closes the old ferry pier",
        outlet="The Harbour Ledger",
        published="2024-03-05",
    )
    r = clean_document(doc, nlp, CleanConfig(keep_html_chrome=True))
    paragraphs = r.text.split("\n\n")
    assert paragraphs[0].startswith("The harbour council voted on Tuesday")
    assert paragraphs[-1].startswith("Ferries will use the cargo quay")
    assert "Donate today" not in r.text
    assert any("Donate today" in x.text and x.kind == "boilerplate" for x in r.removed)
    assert (r.title, r.outlet, r.published) == (
        "Council closes the old ferry pier",
        "The Harbour Ledger",
        "2024-03-05",
    )
    assert any(x.kind == "navigation" and "Home" in x.text for x in r.removed)


def test_html_without_metadata_takes_outlet_from_url() -> None:
    nlp = load_spacy("en_core_web_md")
    doc = RawDocument(
        source="p.html", content=PAGE, fmt="html", url="https://www.ledger.example/pier"
    )
    assert clean_document(doc, nlp).outlet == "ledger.example"


def test_markdown_document_title_from_heading() -> None:
    nlp = load_spacy("en_core_web_md")
    md = (
        "# Council closes the old ferry pier\n\n"
        "*Engineers found rotten piles under the deck.*\n\n"
        "March 5, 2024 by Valley Courier\n\n"
        "![The pier](/img/pier.jpg)\n\n"
        "The harbour council voted on Tuesday to close the old ferry pier for good.\n\n"
        "Ferries will use the cargo quay until a new pier is built.\n"
    )
    r = clean_document(RawDocument(source="pier.md", content=md, fmt="text"), nlp)
    assert r.title == "Council closes the old ferry pier"
    assert r.outlet == "Valley Courier" and r.published == "2024-03-05"
    assert r.text.startswith("The harbour council voted")
    assert ("The pier (/img/pier.jpg)", "caption") in [(x.text, x.kind) for x in r.removed]
    assert ("Engineers found rotten piles under the deck.", "standfirst") in [
        (x.text, x.kind) for x in r.removed
    ]


def test_a_document_that_cannot_be_cleaned_is_logged_and_the_rest_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.clean import stage

    def broken(html: str, url: str | None = None) -> tuple[str, tuple[Removed, ...]]:
        raise ValueError("unreadable page")

    monkeypatch.setattr(stage, "extract_article", broken)
    store.add_documents(
        [
            RawDocument(source="bad.html", content="<html><p>x</p></html>", fmt="html"),
            RawDocument(source="ledger-a.txt", content=LEDGER_A, fmt="text"),
        ]
    )
    report = STAGE.run(store, Config(), NullReporter())
    assert [a.source for a in store.iter_articles()] == ["ledger-a.txt"]
    assert len(report.errors) == 1 and "bad.html" in report.errors[0]
    assert "unreadable page" in store.errors()[0]["message"]
    key = Pipeline.default().key("clean", Config())
    assert store.pending_documents("clean", key) == []  # not retried forever


def test_unknown_outlet_cleaned_again_when_an_outlet_box_appears_later(store: Store) -> None:
    (pasted,) = _add(store, ("pasted.txt", ANONYMOUS))
    _run(store)
    assert "since 1921" in store.get_article(pasted).text
    _add(store, ("ledger-a.txt", LEDGER_A))
    _run(store)
    assert "since 1921" in store.get_article(pasted).text  # one Ledger article: no pattern yet
    _add(store, ("ledger-b.txt", LEDGER_B))
    _run(store)
    assert "since 1921" not in store.get_article(pasted).text
    assert store.get_article(pasted).outlet is None


PAYWALL = (
    "You have read 4 of your 5 free stories this month. "
    "Subscribe to the Valley Courier for 2 euros a week."
)
FACT_BOX = (
    "The old ferry pier was built in 1908 from oak piles and was last repaired in the 1970s "
    "by the harbour board."
)


def test_a_repeated_paywall_sentence_goes_a_repeated_fact_box_stays(store: Store) -> None:
    """Prose the outlet repeats mid-body goes when it addresses the reader with a call to
    action; repeated prose that does not (a standing fact box) is body."""
    first = courier(
        "Avel pier to close",
        "March 3, 2024",
        [
            "The town of Port Avel will close its old ferry pier, its council decided on Tuesday.",
            PAYWALL,
            "Islanders said the cargo quay was too far from the bus station.",
            FACT_BOX,
            "The council will meet again in April to choose a builder for the new pier.",
        ],
    )
    second = courier(
        "Pier repair costs rise",
        "March 9, 2024",
        [
            "Repairing the pier would cost twice what the harbour board planned, engineers said.",
            PAYWALL,
            "The board had set aside 400,000 euros for the work last autumn.",
            FACT_BOX,
            "Ferry operators asked for a decision before the summer timetable starts.",
        ],
    )
    _add(store, ("courier-a.txt", first), ("courier-b.txt", second))
    _run(store)
    for name in ("courier-a.txt", "courier-b.txt"):
        a = _article(store, name)
        assert "free stories" not in a.text
        assert any("free stories" in r.text and r.kind == "boilerplate" for r in a.removed)
        assert FACT_BOX in a.text


def test_a_title_never_closed_does_not_swallow_the_page() -> None:
    """A ``<title>`` without its end tag holds the rest of the page as text for lxml; the
    page is parsed again with the title closed at the end of its line."""
    paragraphs = "".join(
        f"<p>{s} The harbour board met on Tuesday to discuss the ferry timetable again.</p>"
        for s in ("First.", "Second.", "Third.", "Fourth.")
    )
    html = (
        "<html><head><title>Pier news\n<script>var x = 1;</script>"
        + "<style>p { color: black }</style>" * 20
        + f"</head><body><article>{paragraphs}</article></body></html>"
    )
    body = extract_body(parse_page(html))
    assert "Fourth. The harbour board met" in body


def test_a_page_whose_title_is_never_closed_gets_a_short_title() -> None:
    from wiretrace.ingest.pages import Hints, html_document

    html = (
        "<html><head><title>Pier to close\n<script>var x = 1;</script></head><body><article>"
        + "<p>The harbour board met on Tuesday to discuss the ferry timetable again.</p>" * 12
        + "</article></body></html>"
    )
    doc = html_document(html, "pier.html", Hints())
    assert isinstance(doc, RawDocument)
    assert doc.title == "Pier to close"


def test_a_run_stopped_before_outlets_merge_merges_them_next_run(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wiretrace.clean import tables

    docs = [
        RawDocument(source="a.txt", content=LEDGER_A, fmt="text", outlet="harbourledger.com"),
        RawDocument(source="b.txt", content=LEDGER_B, fmt="text", outlet="The Harbour Ledger"),
        RawDocument(source="c.txt", content=LEDGER_C, fmt="text", outlet="The Harbour Ledger"),
    ]
    store.add_documents(docs)
    config = Config({"clean": {"batch_size": 2}})
    rename = tables.rename_outlets

    def stopped(*args: object) -> None:
        raise KeyboardInterrupt  # the process stopped as the outlets were being merged

    monkeypatch.setattr(tables, "rename_outlets", stopped)
    with pytest.raises(KeyboardInterrupt):
        STAGE.run(store, config, NullReporter())
    monkeypatch.setattr(tables, "rename_outlets", rename)
    STAGE.run(store, config, NullReporter())
    assert {a.outlet for a in store.iter_articles()} == {"The Harbour Ledger"}
    assert store.pending_documents("clean", Pipeline.default().key("clean", config)) == []


@given(
    counts=st.dictionaries(
        st.tuples(st.sampled_from(["", "a", "b"]), st.integers(0, 9)), st.integers(1, 4)
    ),
    fps=st.sets(st.integers(0, 9)),
    key=st.sampled_from(["", "a"]),
)
def test_repetition_with_the_batchs_named_lines_is_the_documents_own(
    counts: dict[tuple[str, int], int], fps: set[int], key: str
) -> None:
    """The named outlets' recurring lines, found once for a batch, give each document what
    its own lines give: named recurring lines of an unknown-outlet document are stripped as
    its outlet's, the other lines unknown outlets repeat need strong evidence."""
    named = named_recurring(counts, 2)
    rep = repetition_for(key, fps, counts, 2, named)
    assert rep == repetition_for(key, fps, counts, 2)
    own = {fp for fp in fps if counts.get((key, fp), 0) >= 2}
    if key:
        assert rep == Repetition(frozenset(own))
    else:
        by_name = {fp for (k, fp), n in counts.items() if k and n >= 2 and fp in fps}
        assert rep == Repetition(frozenset(by_name), frozenset(own - by_name))
