"""The PolNeAR scorer: brat reading, one-to-one overlap matching, exact boundaries, the
direct split by quoted share, speaker accuracy; and floors on the PolNeAR dev split."""

from __future__ import annotations

from pathlib import Path

import pytest

from wiretrace.evaluation.polnear import (
    GoldAttribution,
    Predicted,
    load_split,
    read_ann,
    score,
)

POLNEAR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "polnear-dev"

ANN = (
    "T1\tSource 0 5\tAnna \n"
    "T2\tCue 6 10\tsaid\n"
    "T3\tContent 11 20;30 40\tsomething | more\n"
    "over two lines\n"
    "T4\tAttribution 6 10\tsaid\n"
    "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
    "T5\tCue 50 56\tsaid\n"
    "T6\tContent 60 70\tx\n"
    "E2\tAttribution-no-source:T5 Content:T6 Cue:T5\n"
)


def test_read_ann_keeps_discontinuous_content_and_sourceless_events() -> None:
    first, second = read_ann(ANN)
    assert first.content == ((11, 20), (30, 40))
    assert first.source == ((0, 5),) and first.cue == ((6, 10),)
    assert second.source == () and second.content == ((60, 70),)


TEXT = "“We will win,” Anna said. “They will lose.” Officials said that costs rose."


def spans(fragment: str) -> tuple[int, int]:
    start = TEXT.index(fragment)
    return start, start + len(fragment)


GOLD = (
    GoldAttribution(
        (spans("“We will win,”"), spans("“They will lose.”")), (spans("Anna"),), (spans("said"),)
    ),
    GoldAttribution((spans("that costs rose"),), (spans("Officials"),), ()),
)


def test_split_report_costs_precision_and_merged_report_is_exact() -> None:
    split = [
        Predicted((spans("We will win"),), True, spans("Anna")),
        Predicted((spans("They will lose."),), True, spans("Anna")),
    ]
    s = score([(TEXT, GOLD, split)]).as_dict()
    assert s["all"]["matched"] == 1 and s["all"]["predicted"] == 2
    assert s["direct"]["gold"] == 1
    merged = [Predicted((spans("We will win"), spans("They will lose.")), True, spans("Anna"))]
    s = score([(TEXT, GOLD, merged)]).as_dict()
    assert s["direct"]["f1"] == 1.0 and s["direct"]["exact_f1"] == 1.0
    assert s["all"]["recall"] == 0.5 and s["speaker_accuracy"] == 1.0


def test_exact_ignores_that_and_edge_punctuation_but_not_words() -> None:
    good = [Predicted((spans("costs rose"),), False, spans("Officials"))]
    s = score([(TEXT, GOLD, good)]).as_dict()
    assert s["all"]["exact_f1"] == s["all"]["f1"] > 0
    short = [Predicted((spans("rose"),), False, None)]
    s = score([(TEXT, GOLD, short)]).as_dict()
    assert s["all"]["matched"] == 1 and s["all"]["exact_f1"] == 0.0
    assert s["speaker_accuracy"] == 0.0


def test_direct_split_is_by_quoted_share_on_both_sides() -> None:
    indirect = [Predicted((spans("that costs rose"),), True, None)]
    s = score([(TEXT, GOLD, indirect)]).as_dict()
    assert s["direct"]["predicted"] == 0 and s["all"]["matched"] == 1


@pytest.mark.slow
def test_polnear_dev_floors() -> None:
    if not POLNEAR.exists():
        pytest.skip("PolNeAR dev corpus not present beside the project")
    from wiretrace.attribution.config import AttributionConfig
    from wiretrace.attribution.extract import extract
    from wiretrace.evaluation.polnear import from_quotes
    from wiretrace.nlp import load_spacy

    nlp = load_spacy("en_core_web_md")
    cfg = AttributionConfig()
    docs = list(load_split(POLNEAR, "dev"))
    assert len(docs) == 84
    parsed = nlp.pipe([d.text for d in docs], batch_size=16)
    s = score(
        (d.text, d.gold, from_quotes(extract(doc, d.name, cfg).quotes))
        for d, doc in zip(docs, parsed, strict=True)
    ).as_dict()
    assert s["all"]["f1"] >= FLOOR_ALL_F1
    assert s["direct"]["f1"] >= FLOOR_DIRECT_F1
    assert s["speaker_accuracy"] >= FLOOR_SPEAKER


# Measured values on the dev split, rounded down (benchmarks/bench_attribution.py).
FLOOR_ALL_F1 = 0.74
FLOOR_DIRECT_F1 = 0.89
FLOOR_SPEAKER = 0.85
