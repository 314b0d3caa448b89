from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.config import Config
from wiretrace.models import CleanResult, RawDocument
from wiretrace.nlp import load_spacy
from wiretrace.nlp.segment import sentence_spans
from wiretrace.nlp.stage import STAGE, load_doc, load_embeddings
from wiretrace.pipeline import NullReporter, Pipeline
from wiretrace.store import Store

TEXT = (
    "Water levels at the Varna dam rose again on Tuesday\n\n"
    'Engineers said the spillway was holding. "We are watching it hourly," said Ana Petrov, '
    "the site manager.\n\nA second paragraph without a final stop\nThird line."
)


def _article(store: Store, text: str) -> str:
    ((doc_id, _),) = store.add_documents([RawDocument(source="t.txt", content=text, fmt="text")])
    store.put_article(doc_id, CleanResult(text, None, None, None, None))
    return doc_id


def test_sentences_never_cross_paragraphs() -> None:
    doc = load_spacy()(TEXT)
    spans = sentence_spans(doc)
    for span in spans:
        assert "\n" not in TEXT[span.start : span.end]
    texts = [TEXT[s.start : s.end] for s in spans]
    assert texts[0] == "Water levels at the Varna dam rose again on Tuesday"
    assert "Third line." in texts


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_sentence_spans_stay_in_bounds_and_trimmed(text: str) -> None:
    doc = load_spacy()(text)
    prev_end = 0
    for span in sentence_spans(doc):
        assert 0 <= prev_end <= span.start < span.end <= len(text)
        assert not text[span.start].isspace() and not text[span.end - 1].isspace()
        prev_end = span.end


def test_stage_stores_sentences_parse_and_embeddings(store: Store, config: Config) -> None:
    doc_id = _article(store, TEXT)
    report = STAGE.run(store, config, NullReporter())
    assert report.processed == 1
    spans = store.sentences(doc_id)
    assert len(spans) >= 4
    vectors = load_embeddings(store, doc_id)
    assert vectors is not None and vectors.shape[0] == len(spans)
    doc = load_doc(store, doc_id, load_spacy())
    assert doc is not None and doc.text == TEXT
    # incremental: nothing new, nothing done
    assert STAGE.run(store, config, NullReporter()).processed == 0


def test_a_stage_waits_for_articles_without_a_parse(store: Store, config: Config) -> None:
    """An article the nlp stage has not parsed stays pending for attribution (not failed)."""
    from wiretrace.attribution.stage import STAGE as ATTRIBUTION

    parsed = _article(store, TEXT)
    STAGE.run(store, config, NullReporter())
    ((bare, _),) = store.add_documents([RawDocument(source="b", content="No parse.", fmt="text")])
    store.put_article(bare, CleanResult("No parse.", None, None, None, None))
    report = ATTRIBUTION.run(store, config, NullReporter())
    assert report.processed == 1 and not report.errors
    assert "1 article(s) wait" in report.notes[0]
    key = Pipeline.default().key("attribution", config)
    assert store.pending("attribution", key) == [bare] and parsed not in store.pending(
        "attribution", key
    )


def test_vector_codec_round_trips() -> None:
    import numpy as np

    from wiretrace.vectors import pack_vectors, unpack_vectors

    rows = np.random.default_rng(1).normal(size=(3, 8)).astype(np.float32)
    assert np.allclose(unpack_vectors(pack_vectors(rows)), rows, atol=1e-2)
    assert unpack_vectors(pack_vectors(np.zeros((0, 0), np.float32))).shape == (0, 0)


def test_embedder_encodes_a_repeated_text_once_and_returns_a_row_per_text() -> None:
    from wiretrace.nlp.models import SentenceTransformerEmbedder

    class Model:
        def __init__(self) -> None:
            self.seen: list[list[str]] = []

        def encode(self, texts: list[str], **_: object) -> np.ndarray:
            self.seen.append(list(texts))
            return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)

    model = Model()
    embedder = SentenceTransformerEmbedder(model, 2)
    vectors = embedder.encode(["a bridge", "rain", "a bridge", "rain", "wind"])
    assert model.seen == [["a bridge", "rain", "wind"]]
    assert vectors[:, 0].tolist() == [8, 4, 8, 4, 4]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(alphabet="ab .", min_size=1, max_size=40),
            st.sampled_from(["\n", "\n\n", "\n \n", " \n"]),
        ),
        max_size=12,
    ),
    st.integers(min_value=1, max_value=60),
)
def test_pieces_join_to_the_text_and_start_on_a_word(
    lines: list[tuple[str, str]], limit: int
) -> None:
    from wiretrace.nlp.segment import pieces

    text = "".join(a + b for a, b in lines)
    parts = pieces(text, limit)
    assert "".join(parts) == text
    for part in parts[1:]:
        assert not part[0].isspace()
    for part in parts[:-1]:
        assert "\n" in part and part[-1].isspace()


def test_a_long_text_parsed_in_pieces_keeps_its_text_tokens_and_sentences() -> None:
    from wiretrace.nlp.segment import parse, pieces

    nlp = load_spacy()
    text = "\n\n".join([TEXT] * 6)
    assert len(pieces(text, 200)) > 3
    (whole,) = parse(nlp, [text], 8)
    texts = ["A short one.", text, "Another short one.\nWith two lines."]
    short, cut, last = parse(nlp, texts, 8, piece_chars=200, batch_chars=400)
    assert [short.text, cut.text, last.text] == texts
    assert [t.text for t in cut] == [t.text for t in whole]
    assert sentence_spans(cut) == sentence_spans(whole)
    # Tags, arcs and entities are the parser's choices; within a few tokens of a cut they
    # may differ from the whole text's (the pieces see less context), as across batches.
