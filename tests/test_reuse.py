"""Reuse: tokens, candidates, alignment, paraphrase chains, direction and provenance."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reuse_reference import a_is_source, orient
from wiretrace.models import Span
from wiretrace.reuse.align import Passage, align, merge, pieces
from wiretrace.reuse.candidates import candidate_pairs, window_signatures
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.detect import DocInput, find_reuse
from wiretrace.reuse.paraphrase import Sentences, paraphrase_pair
from wiretrace.reuse.provenance import ArticleMeta, unsourced_spans
from wiretrace.reuse.text import quote_mask, quote_prefix, shingles, tokenize

CFG = ReuseConfig(paraphrase=False)
MERGE = ReuseConfig(paraphrase=False, merge_gap=0.25)
WORDS = [f"w{k}" for k in range(3000)]


def prose(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def test_tokens_are_stable_and_case_blind() -> None:
    a, b = tokenize("Peace Talks, resumed."), tokenize("peace talks resumed")
    assert np.array_equal(a.hashes, b.hashes)
    assert [(int(s), int(e)) for s, e in zip(a.starts, a.ends, strict=True)] == [
        (0, 5),
        (6, 11),
        (13, 20),
    ]
    assert shingles(a.hashes, 4).shape == (0,)
    assert shingles(a.hashes, 2).shape == (2,)


def test_quote_mask_covers_quotations_and_stops_at_paragraphs() -> None:
    text = 'He said “we stay” and left.\n"Open quote never closed\nnext'
    mask = quote_mask(text)
    masked = "".join(ch if m else "|" for ch, m in zip(text, mask, strict=True))
    # A quotation left open at a paragraph's end ends there (the shared scanner's reading).
    assert [p for p in masked.split("|") if p] == ["“we stay”", '"Open quote never closed']


def test_verbatim_passage_is_one_link_with_exact_spans() -> None:
    rng = random.Random(1)
    shared = prose(rng, 60)
    a = prose(rng, 80) + " " + shared + " " + prose(rng, 40)
    b = prose(rng, 30) + " " + shared + " " + prose(rng, 90)
    found = align(a, tokenize(a), b, tokenize(b), CFG)
    assert len(found) == 1
    p = found[0]
    assert p.kind == "verbatim"
    assert a[p.a_start : p.a_end] == shared
    assert b[p.b_start : p.b_end] == shared


def test_light_edits_give_one_near_verbatim_link() -> None:
    rng = random.Random(2)
    words = [rng.choice(WORDS) for _ in range(80)]
    edited = list(words)
    for k in range(10, 80, 12):
        edited[k] = "changed"
    del edited[40]
    a = prose(rng, 50) + " " + " ".join(words) + " " + prose(rng, 50)
    b = prose(rng, 20) + " " + " ".join(edited) + " " + prose(rng, 20)
    found = align(a, tokenize(a), b, tokenize(b), CFG)
    assert [p.kind for p in found] == ["near-verbatim"]
    start = a.index(words[0])
    assert abs(found[0].a_start - start) < 15
    assert abs(found[0].a_end - (start + len(" ".join(words)))) < 15


def test_short_common_phrases_make_no_link() -> None:
    rng = random.Random(3)
    phrase = "the prime minister said on monday that the talks"
    a = prose(rng, 50) + " " + phrase + " " + prose(rng, 50)
    b = prose(rng, 50) + " " + phrase + " " + prose(rng, 50)
    assert align(a, tokenize(a), b, tokenize(b), CFG) == []


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.integers(12, 80))
def test_planted_copies_are_found_inside_bounds(seed: int, length: int) -> None:
    rng = random.Random(seed)
    shared = prose(rng, length)
    a = prose(rng, rng.randint(0, 60)) + " " + shared
    b = shared + " " + prose(rng, rng.randint(0, 60))
    found = align(a, tokenize(a), b, tokenize(b), CFG)
    assert found
    for p in found:
        assert 0 <= p.a_start < p.a_end <= len(a)
        assert 0 <= p.b_start < p.b_end <= len(b)
    assert max(p.a_end - p.a_start for p in found) >= len(shared) - 1


def test_lsh_windows_pair_articles_sharing_a_paragraph_only() -> None:
    rng = random.Random(4)
    shared = prose(rng, 50)
    texts = [prose(rng, 300) + " " + shared, shared + " " + prose(rng, 300)]
    texts += [prose(rng, 300) for _ in range(20)]
    sets = [shingles(tokenize(t).hashes, CFG.shingle) for t in texts]
    pairs = candidate_pairs(window_signatures(sets, CFG), CFG)
    assert [0, 1] in pairs.tolist()
    assert len(pairs) <= 3


def _sentences(
    n: int,
    vectors: np.ndarray,
    quoted: set[int] = frozenset(),  # type: ignore[assignment]
    background: float = 0.0,
    rare: dict[int, frozenset[int]] | None = None,
    numbers: dict[int, frozenset[int]] | None = None,
) -> tuple[str, Sentences]:
    parts = []
    for k in range(n):
        body = " ".join(f"s{k}x{m}" for m in range(8)) + "."
        parts.append(f"“{body}”" if k in quoted else body)
    text = "\n".join(parts)
    spans, pos = [], 0
    for part in parts:
        spans.append((pos, pos + len(part)))
        pos += len(part) + 1
    facts = rare or {}
    return text, Sentences(
        tuple(spans),
        vectors.astype(np.float32),
        np.full(n, 8),
        quote_prefix(text),
        tuple(facts.get(k, frozenset()) for k in range(n)),
        (7, 8, 9),  # three same-topic articles, each this similar to every sentence
        np.full((3, n), background, dtype=np.float32),
        tuple((numbers or {}).get(k, frozenset()) for k in range(n)),
    )


def _unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 32))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_paraphrase_needs_an_in_order_chain() -> None:
    rng = np.random.default_rng(0)
    va = _unit(rng, 8)
    vb = _unit(rng, 8)
    for i, j in [(1, 2), (2, 3), (3, 4), (5, 6)]:  # rewrite keeps order
        vb[j] = va[i] * 0.9 + vb[j] * 0.1
    vb /= np.linalg.norm(vb, axis=1, keepdims=True)
    _, a = _sentences(8, va)
    _, b = _sentences(8, vb)
    none = np.zeros(8, dtype=bool)
    passages, evidence = paraphrase_pair(a, b, none, none, ReuseConfig())
    assert evidence == 4
    assert [(p.a_start, p.b_start) for p in passages] == [
        (a.spans[1][0], b.spans[2][0]),
        (a.spans[5][0], b.spans[6][0]),
    ]
    # Two background facts stated out of order are not reuse.
    vc = _unit(rng, 8)
    vc[6] = va[1]
    vc[1] = va[6]
    _, c = _sentences(8, vc / np.linalg.norm(vc, axis=1, keepdims=True))
    assert paraphrase_pair(a, c, none, none, ReuseConfig()) == ([], 0)


def test_shared_quotes_alone_are_not_reuse() -> None:
    rng = np.random.default_rng(1)
    va = _unit(rng, 6)
    vb = va.copy()
    _, a = _sentences(6, va, quoted={0, 1, 2, 3, 4, 5})
    _, b = _sentences(6, vb, quoted={0, 1, 2, 3, 4, 5})
    none = np.zeros(6, dtype=bool)
    assert paraphrase_pair(a, b, none, none, ReuseConfig()) == ([], 0)


def test_a_passage_quoting_a_third_party_is_reported_as_shared_quote() -> None:
    rng = random.Random(5)
    quote = prose(rng, 30)[:-1]
    a = prose(rng, 60) + f" The minister said: “{quote}.” " + prose(rng, 60)
    b = prose(rng, 40) + f" “{quote}.” the minister said. " + prose(rng, 40)
    c = prose(rng, 40) + " " + a[:400] + " " + prose(rng, 40)
    results = find_reuse([DocInput("a", a), DocInput("b", b), DocInput("c", c)], CFG)
    kinds = {(r.a, r.b): {p.kind for p in r.passages} for r in results}
    assert kinds[(0, 1)] == {"quote"}  # two outlets quoting one speaker: reported, not reuse
    assert "quote" not in kinds[(0, 2)]


def test_a_stray_quotation_mark_does_not_hide_a_copied_passage() -> None:
    rng = random.Random(6)
    shared = prose(rng, 60)
    a = prose(rng, 30) + ' He called it "historic. ' + shared + "\n\n" + prose(rng, 30)
    b = prose(rng, 30) + " " + shared + "\n\n" + prose(rng, 30)
    [result] = find_reuse([DocInput("a", a), DocInput("b", b)], CFG)
    assert [p.kind for p in result.passages] == ["verbatim"]


def test_repeated_text_inside_one_article_links_once() -> None:
    rng = random.Random(8)
    headline = prose(rng, 20)
    a = headline + "\n\n" + headline + "\n\n" + prose(rng, 80)
    b = prose(rng, 80) + "\n\n" + headline
    [result] = find_reuse([DocInput("a", a), DocInput("b", b)], CFG)
    assert len(result.passages) == 1


def test_a_copy_with_an_inserted_sentence_is_one_link() -> None:
    rng = random.Random(9)
    first, second = prose(rng, 90), prose(rng, 70)
    inserted = prose(rng, 25)  # the copier's own sentence inside the copied passage
    a = prose(rng, 60) + "\n\n" + first + "\n\n" + second + "\n\n" + prose(rng, 60)
    b = prose(rng, 40) + "\n\n" + first + " " + inserted + "\n\n" + second
    [result] = find_reuse([DocInput("a", a), DocInput("b", b)], MERGE)
    [p] = result.passages
    assert p.kind == "near-verbatim"
    assert a[p.a_start : p.a_end] == first + "\n\n" + second
    assert b[p.b_start : p.b_end] == first + " " + inserted + "\n\n" + second
    assert 0.7 < p.score < 1.0  # the inserted sentence counts as unmatched


def test_passages_far_apart_or_out_of_order_stay_separate() -> None:
    rng = random.Random(10)
    one, two = prose(rng, 40), prose(rng, 40)
    a = one + "\n\n" + prose(rng, 200) + "\n\n" + two
    b = one + "\n\n" + two
    [result] = find_reuse([DocInput("a", a), DocInput("b", b)], MERGE)
    assert len(result.passages) == 2  # the gap in ``a`` is far longer than the passages
    swapped = two + "\n\n" + one
    [result] = find_reuse([DocInput("b", b), DocInput("s", swapped)], MERGE)
    assert len(result.passages) == 2


def test_merge_joins_in_order_neighbours_of_one_kind_family() -> None:
    p = Passage(0, 100, 0, 100, "verbatim", 1.0)
    q = Passage(110, 200, 130, 220, "near-verbatim", 0.9)
    [j] = merge([q, p], 0.25)
    assert (j.a_start, j.a_end, j.b_start, j.b_end, j.kind) == (0, 200, 0, 220, "near-verbatim")
    assert j.score == round((100 * 1.0 + 90 * 0.9) / 220, 4)
    quote = Passage(110, 200, 130, 220, "quote", 1.0)
    assert len(merge([p, quote], 0.25)) == 2  # a shared quote never joins a copied passage
    far = Passage(300, 340, 330, 370, "verbatim", 1.0)
    assert len(merge([p, far], 0.25)) == 2
    reworded = Passage(110, 200, 130, 220, "paraphrase", 0.8)
    assert len(merge([p, reworded], 0.25)) == 2  # aligned pieces only: see ``pieces``


def test_joined_passage_comes_apart_into_its_pieces_and_keeps_its_direction() -> None:
    rng = random.Random(12)
    first, second = prose(rng, 90), prose(rng, 70)
    inserted = prose(rng, 30)  # the copier's own sentence inside the copied passage
    source = prose(rng, 20) + "\n\n" + first + "\n\n" + second + "\n\n" + prose(rng, 20)
    # The copy is the longer article only by its inserted sentence: measured on the joined
    # spans (inserted sentence included) it would seem to share more of its text.
    copy = prose(rng, 45) + "\n\n" + first + " " + inserted + "\n\n" + second
    raw = align(source, tokenize(source), copy, tokenize(copy), MERGE)
    assert len(raw) == 2
    [joined] = merge(raw, MERGE.merge_gap)
    assert pieces(joined, source, copy, MERGE) == raw
    assert pieces(raw[0], source, copy, MERGE) == [raw[0]]
    meta = {"s": ArticleMeta("s", source, None, 1), "c": ArticleMeta("c", copy, None, 0)}
    for passages in (raw, [joined]):
        links = orient({("c", "s"): [_swap(p) for p in passages]}, meta, MERGE)
        assert {(x.source, x.derived) for x in links} == {("s", "c")}
    spans = [(p.a_end - p.a_start, p.b_end - p.b_start) for p in [joined]]
    assert spans[0][1] / len(copy) > spans[0][0] / len(source)  # what fooled the spans


def _swap(p: Passage) -> Passage:
    return Passage(p.b_start, p.b_end, p.a_start, p.a_end, p.kind, p.score)


def test_one_similar_sentence_is_never_a_link() -> None:
    rng = np.random.default_rng(3)
    va, vb = _unit(rng, 8), _unit(rng, 8)
    vb[4] = va[2]  # one near-identical sentence, nothing else
    _, a = _sentences(8, va)
    _, b = _sentences(8, vb)
    none = np.zeros(8, dtype=bool)
    assert paraphrase_pair(a, b, none, none, ReuseConfig()) == ([], 0)
    # ... even beside a verbatim passage elsewhere in the pair.
    covered = none.copy()
    covered[6] = True
    assert paraphrase_pair(a, b, covered, covered, ReuseConfig(), ((6, 6),)) == ([], 0)
    # Rare names alone are who the story is about: no evidence of a shared passage.
    facts = {2: frozenset({1, 2, 3})}
    _, fa = _sentences(8, va, rare=facts)
    _, fb = _sentences(8, vb, rare={4: frozenset({1, 2, 3})})
    assert paraphrase_pair(fa, fb, none, none, ReuseConfig()) == ([], 0)
    # A reworded sentence carrying the same rare specifics, a rare number among them, is.
    _, fa = _sentences(8, va, rare=facts, numbers={2: frozenset({3})})
    _, fb = _sentences(8, vb, rare={4: frozenset({1, 2, 3})}, numbers={4: frozenset({3})})
    passages, _ = paraphrase_pair(fa, fb, none, none, ReuseConfig())
    assert [(p.a_start, p.b_start) for p in passages] == [(fa.spans[2][0], fb.spans[4][0])]


def test_after_a_copied_passage_one_reworded_sentence_counts_only_next_to_it() -> None:
    rng = np.random.default_rng(5)
    va, vb = _unit(rng, 8), _unit(rng, 8)
    vb[4] = va[2]  # one near-identical sentence
    _, a = _sentences(8, va)
    _, b = _sentences(8, vb)
    far = np.zeros(8, dtype=bool)
    far[6] = True  # the copied passage is elsewhere in both articles
    assert paraphrase_pair(a, b, far, far, ReuseConfig(), ((6, 6),), copied=True) == ([], 0)
    next_a = np.zeros(8, dtype=bool)
    next_a[1] = True  # the copied passage ends right before it (in one article)
    far_b = np.zeros(8, dtype=bool)
    far_b[0] = True
    passages, _ = paraphrase_pair(a, b, next_a, far_b, ReuseConfig(), ((1, 0),), copied=True)
    assert [(p.a_start, p.b_start) for p in passages] == [(a.spans[2][0], b.spans[4][0])]


def test_matches_must_stand_out_from_the_topic_background() -> None:
    rng = np.random.default_rng(4)
    va, vb = _unit(rng, 8), _unit(rng, 8)
    for i in (1, 2, 3, 4):
        vb[i] = va[i] * 0.8 + vb[i] * 0.2
    vb /= np.linalg.norm(vb, axis=1, keepdims=True)
    none = np.zeros(8, dtype=bool)
    sims = [float(va[i] @ vb[i]) for i in (1, 2, 3, 4)]
    _, a = _sentences(8, va)
    _, b = _sentences(8, vb)
    assert paraphrase_pair(a, b, none, none, ReuseConfig())[1] == 4
    # The same matches are ordinary when same-topic articles are that similar anyway.
    _, a_bg = _sentences(8, va, background=min(sims))
    _, b_bg = _sentences(8, vb, background=min(sims))
    assert paraphrase_pair(a_bg, b_bg, none, none, ReuseConfig()) == ([], 0)


def test_direction_by_date_then_quotes_then_fuller_form() -> None:
    p = [Passage(0, 40, 0, 30, "paraphrase", 0.8)]
    a = ArticleMeta("a", '"' + "x" * 38 + '"' + " tail", None, 1)
    b = ArticleMeta("b", "y" * 30 + " tail", None, 0)
    assert a_is_source(a, b, p, {})  # quoted, fuller form is the earlier
    dated_a = ArticleMeta("a", a.text, "2023-09-28", 1)
    dated_b = ArticleMeta("b", b.text, "2023-09-27", 0)
    assert not a_is_source(dated_a, dated_b, p, {})
    assert not a_is_source(a, b, p, {"a": 3, "b": 1})  # a compilation is derived


def test_unsourced_runs_stay_within_a_paragraph() -> None:
    text = "One two three four five. Six seven eight nine ten.\nEleven twelve. Thirteen fourteen."
    sents = [Span(0, 24), Span(25, 50), Span(51, 65), Span(66, 85)]
    got = unsourced_spans(text, sents, [False, False, False, False], [], 4, 2)
    assert got == [Span(0, 50), Span(51, 85)]
    assert unsourced_spans(text, sents, [False, True, False, False], [(51, 65)], 4, 2) == []


def test_whole_article_copies_group_under_the_earliest() -> None:
    from reuse_reference import duplicate_groups
    from wiretrace.models import ReuseLink

    text = "x" * 100
    meta = {  # same day: the copy is longer, but it is the side that took the text
        "wire": ArticleMeta("wire", text, "2025-03-17", 1),
        "copy": ArticleMeta("copy", text + " local", "2025-03-17", 0),
        "other": ArticleMeta("other", "y" * 300, None, 2),
    }
    links = [
        ReuseLink("wire", "copy", Span(0, 100), Span(0, 100), "verbatim", 1.0),
        ReuseLink("wire", "other", Span(0, 50), Span(0, 50), "verbatim", 1.0),
    ]
    assert duplicate_groups(links, meta, 0.8) == [("wire", ["wire", "copy"])]


def test_rare_specifics_are_names_and_numbers_few_articles_use() -> None:
    from wiretrace.reuse.detect import document_frequency, rare_specifics, specifics
    from wiretrace.reuse.text import tokenize

    texts = [
        "Mayor Ilse Varga said 1,200 people left. The river rose.",
        "Ilse Varga spoke. Talks in Maren went on.",
        "Varga again. Varga and Maren.",
    ]
    tokens = [tokenize(t) for t in texts]
    assert [
        texts[0][s:e]
        for s, e, m in zip(
            tokens[0].starts, tokens[0].ends, specifics(texts[0], tokens[0]), strict=True
        )
        if m
    ] == ["Mayor", "Ilse", "Varga", "1", "200", "The"]
    df = document_frequency(texts, tokens)
    rare = rare_specifics(
        texts[0], tokens[0], ((0, 41), (42, 56)), {h for h, n in df.items() if n <= 1}
    )
    # "Varga" (3 articles) and "Ilse" (2) are the topic here; "Mayor" and "1,200" are not
    words = {
        texts[0][s:e]: h
        for s, e, h in zip(tokens[0].starts, tokens[0].ends, tokens[0].hashes.tolist(), strict=True)
    }
    assert rare[0] == {words["Mayor"], words["1"], words["200"]}


def test_shared_quotes_are_not_provenance() -> None:
    from reuse_reference import provenance
    from wiretrace.models import ReuseLink

    meta = {x: ArticleMeta(x, "z" * 100, None, k) for k, x in enumerate("ab")}
    links = [ReuseLink("a", "b", Span(0, 50), Span(0, 50), "quote", 1.0)]
    assert provenance(links, meta) == []
