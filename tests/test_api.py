from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace import Corpus

WIRE = (
    "Port of Calder closed by strike\n\n"
    "Dock workers at the port of Calder walked out on Wednesday, halting traffic at the "
    "country's second-largest harbour. \"We will not move a single crate until the contract "
    'is signed," union leader Mara Holt said. The port authority said 40 ships were waiting '
    "offshore and that losses could reach 3 million euros a day.\n"
)
COPY = (
    "Strike halts Calder harbour\n\n"
    "Dock workers at the port of Calder walked out on Wednesday, halting traffic at the "
    "country's second-largest harbour. \"We will not move a single crate until the contract "
    'is signed," union leader Mara Holt said. Shops near the quay stayed shut.\n'
)


def test_corpus_round_trip(tmp_path: Path) -> None:
    (tmp_path / "wire.txt").write_text(WIRE, encoding="utf-8")
    (tmp_path / "copy.txt").write_text(COPY, encoding="utf-8")
    with Corpus(tmp_path / "w.db") as corpus:
        report = corpus.ingest([tmp_path / "wire.txt", tmp_path / "copy.txt"])
        assert report.added == 2 and not report.errors
        stages = [r.stage for r in corpus.analyze()]
        assert stages[:2] == ["clean", "nlp"]
        articles = list(corpus.articles())
        assert len(articles) == 2
        holt = corpus.quotes(speaker="Holt")
        assert holt and all("crate" in q.text for q in holt)
        for q in holt:
            text = corpus.article(q.article).text
            assert text[q.span.start : q.span.end] == q.text or q.text in text
        assert corpus.quotes(speaker="Nobody Of That Name") == []
        links = corpus.reuse()
        assert links, "the shared wire paragraph is reuse"
        assert {link.kind for link in links} <= {"verbatim", "near-verbatim", "paraphrase"}
        assert any(f.value == 40 for f in corpus.figures())
        # a second analyze has nothing new to do
        again = {r.stage: r.processed for r in corpus.analyze()}
        assert again["clean"] == 0 and again["nlp"] == 0
        # the CLI's --only / --redo / --until, through the same pipeline call
        assert [r.stage for r in corpus.analyze(only=["figures"])] == ["figures"]
        redone = {r.stage: r.processed for r in corpus.analyze(redo=["figures"])}
        assert redone["figures"] == 2 and redone["figure_groups"] == 2
        assert redone["reuse"] == 0 and redone["clean"] == 0
        assert [r.stage for r in corpus.analyze(until="nlp")] == ["clean", "nlp"]
        with pytest.raises(ValueError, match="unknown stage"):
            corpus.analyze(redo=["figurs"])
