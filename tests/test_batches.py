"""Size-capped batches keep the items' order, respect both caps, and cut only where the
next item would break one (greedy), an oversized item alone."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wiretrace.batches import capped_batches


@given(
    st.lists(st.integers(0, 30), max_size=60),
    st.integers(1, 40),
    st.one_of(st.none(), st.integers(1, 8)),
)
def test_batches_are_greedy_within_the_caps(sizes: list[int], cap: int, most: int | None) -> None:
    items = list(enumerate(sizes))
    got = list(capped_batches(items, lambda x: x[1], cap, most))
    assert [x for b in got for x in b] == items
    for k, batch in enumerate(got):
        total = sum(s for _, s in batch)
        assert batch and (total <= cap or len(batch) == 1)
        assert most is None or len(batch) <= most
        if k + 1 < len(got):  # the next item did not fit
            nxt = got[k + 1][0][1]
            assert total + nxt > cap or (most is not None and len(batch) == most)


def test_texts_cut_by_characters_and_count() -> None:
    texts = ["aaaa", "bb", "c", "dddddddd", "e", "f", "g"]
    assert list(capped_batches(texts, len, 6, 2)) == [
        ["aaaa", "bb"],
        ["c"],
        ["dddddddd"],
        ["e", "f"],
        ["g"],
    ]
