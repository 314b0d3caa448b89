from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wiretrace.evaluation.gold import locate, normalise


def test_locate_folds_quotes_spaces_and_ellipses() -> None:
    text = "He said: \u201cPeople leave\u2026 those who\u201d and   more."
    span = locate(text, 'said: "People leave... those who')
    assert span is not None and text[span.start : span.end].startswith("said:")
    assert locate(text, "and more.") is not None
    assert locate(text, "People stay") is None
    assert locate(text, "") is None


@given(st.text(max_size=200), st.data())
def test_locate_finds_every_substring_in_bounds(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    needle = text[start:end]
    span = locate(text, needle)
    if needle.strip():
        assert span is not None
        assert 0 <= span.start < span.end <= len(text)
        assert normalise(text[span.start : span.end])[0].strip() == normalise(needle.strip())[0]
