"""The narratives stage on the karabakh corpus, the gold statements as the watchlist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.evaluation import load_gold
from wiretrace.evaluation.narratives import prepare, score
from wiretrace.export import export_dict
from wiretrace.pipeline import NullReporter, Pipeline
from wiretrace.store import Store

pytestmark = pytest.mark.slow

STAGES = ("clean", "nlp", "attribution", "statements", "stories", "narratives")


def run_stages(store: Store, names: tuple[str, ...] = STAGES) -> list:
    return [
        s.run(store, Config(), NullReporter()) for s in Pipeline.default().stages if s.name in names
    ]


@pytest.fixture(scope="module")
def karabakh_store(
    karabakh_db: Path, karabakh_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """A copy of the session's analysed karabakh store with the gold statements as its
    watchlist, and the narratives stage run again (the stages before it are not)."""
    from conftest import copy_store

    db = copy_store(karabakh_db, tmp_path_factory.mktemp("narratives") / "k.db")
    store = Store(db)
    prepare(load_gold(karabakh_dir / "gold.json"), store)
    run_stages(store, ("narratives",))
    yield store
    store.close()


def metrics(store: Store, karabakh_dir: Path) -> dict[str, object]:
    results = score(load_gold(karabakh_dir / "gold.json"), export_dict(store))
    return {m.name: m for m in results}


def test_echoes_are_precise(karabakh_store: Store, karabakh_dir: Path) -> None:
    m = metrics(karabakh_store, karabakh_dir)
    precision = m["echo precision over hits reported"]
    # Measured: 9 of 11 (8/11 before the role check dropped "to blame Armenia ..." and
    # "Pashinyan has also criticized Russia's peacekeeping force ...", which name a
    # participant of the statement on the other side of the action; 8/9 before the second,
    # centred pass added the reworded echo below and "Nagorno Karabakh is internationally
    # recognized as Azerbaijani territory", which states a fact rather than the claim).
    assert precision.value >= 9 / 11, precision.detail


def test_echo_recall_target(karabakh_store: Store, karabakh_dir: Path) -> None:
    """The issue's target, 7 of 9 echoes with the gold statements as the watchlist (zero-
    shot). Measured 7/9: the seventh, "making their nation a hostage to the geopolitical
    games of the West" (cosine 0.591 to "the West shares responsibility"), is taken by the
    centred pass in an article where "Pashinyan's statement was inspired by the West" was
    found."""
    m = metrics(karabakh_store, karabakh_dir)
    recall = m["echo recall (watchlist = gold statements)"]
    assert recall.value >= 7 / 9, recall.detail


def test_sovereignty_claim_is_discovered_in_top_five(
    karabakh_store: Store, karabakh_dir: Path
) -> None:
    m = metrics(karabakh_store, karabakh_dir)
    detail = m["gold narratives among top-5 discovered claims"].detail
    rank = detail.split("armenia-recognized-sovereignty: ")[1].split(";")[0]
    assert rank.startswith("#") and int(rank[1:]) <= 5, detail


def test_hits_carry_outlet_date_and_calibrated_score(karabakh_store: Store) -> None:
    from wiretrace.narratives import api

    for n, count in api.list_narratives(karabakh_store):
        for h in api.hits(karabakh_store, n.id):
            assert 0.0 <= h["score"] <= 1.0
            start, end = h["span"]
            ms, me = h["match"]
            assert start <= ms < me <= end  # the matched clause lies in the sentence
            assert h["sentence"]
        assert count == len(api.hits(karabakh_store, n.id))
    spread = api.spread(karabakh_store, "armenia-recognized-sovereignty")
    assert sum(sum(d.values()) for d in spread["by_outlet"].values()) == len(spread["timeline"])


def test_rerun_is_a_no_op_and_new_narratives_are_matched(karabakh_store: Store) -> None:
    from wiretrace.narratives import api

    before = export_dict(karabakh_store)["narratives"]
    (report,) = run_stages(karabakh_store, ("narratives",))
    assert report.processed == 0 and not report.notes
    assert export_dict(karabakh_store)["narratives"] == before
    top = api.claims(karabakh_store, 1)[0]
    promoted = api.promote(karabakh_store, top["id"])
    assert promoted.examples and promoted.notes
    run_stages(karabakh_store, ("narratives",))
    hits = api.hits(karabakh_store, promoted.id)
    member_articles = {m["article"] for m in top["members"]}
    assert member_articles & {h["article"] for h in hits}
    # The original narratives are matched the same way as before.
    again = {n["id"]: n for n in export_dict(karabakh_store)["narratives"]}
    for n in before:
        assert again[n["id"]] == n


def test_outlet_and_date_are_the_articles(karabakh_store: Store) -> None:
    """What claims read of a member's article, one article at a time, is its row's outlet
    and date (and nothing for an article not in the store)."""
    from wiretrace.narratives.tables import outlet_and_date

    articles = list(karabakh_store.iter_articles())
    assert any(a.outlet for a in articles) and any(a.published for a in articles)
    for article in articles:
        assert outlet_and_date(karabakh_store, article.id) == (article.outlet, article.published)
    assert outlet_and_date(karabakh_store, "no such article") == (None, None)


def test_ranges_read_in_parts_give_the_whole_ranges_claims_and_records(
    karabakh_store: Store,
) -> None:
    """Discovery's pair ranges read back in parts of whole articles (``range_findings``
    down to one finding: an article at a time) give the claims and the stored pair
    records of reading each range whole."""
    from wiretrace.narratives.claim_pairs import PAIRS_BLOB, discover, spill_segments
    from wiretrace.narratives.discovery import CorpusView
    from wiretrace.narratives.matching import NarrativesConfig
    from wiretrace.narratives.stage import Lookup, segment_pieces
    from wiretrace.narratives.tables import outlet_and_date

    store = karabakh_store
    pieces, indexed = segment_pieces(store, store.article_ids())
    corpus = CorpusView(
        Lookup(lambda a: store.get_article(a).text),
        Lookup(lambda a: outlet_and_date(store, a)[0]),
        Lookup(lambda a: outlet_and_date(store, a)[1]),
        {},
    )
    cfg = NarrativesConfig()
    got = []
    for most in (1 << 30, 1, 50):
        index, vectors = spill_segments(pieces)
        try:
            with store.transaction():
                claims, update = discover(
                    store, index, corpus, cfg, set(indexed), "test", range_findings=most
                )
        finally:
            vectors.close()
        assert update.whole
        got.append((claims, [store.get_blob(PAIRS_BLOB, a) for a in indexed]))
    assert got[0][0] and any(got[0][1])
    assert got[1] == got[0] and got[2] == got[0]
