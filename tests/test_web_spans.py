"""Span segmentation: overlapping findings become flat segments that render text verbatim."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from wiretrace.web.render import ServerUrls, make_env
from wiretrace.web.spans import Mark, coverage, segments, uncovered

KINDS = ("reuse", "reused-by", "quote", "speaker", "figure", "narrative")


@st.composite
def text_and_marks(draw: st.DrawFn) -> tuple[str, list[Mark]]:
    text = draw(st.text(alphabet=st.sampled_from([*"ab <>&\"'\n/=", "é", "😀"]), max_size=60))
    n = len(text)
    marks = []
    for _ in range(draw(st.integers(0, 6))):
        a = draw(st.integers(-3, n + 3))
        b = draw(st.integers(-3, n + 3))
        kind = draw(st.sampled_from(KINDS))
        href = draw(st.one_of(st.none(), st.just("/articles/ab#r1-src")))
        marks.append(
            Mark(
                min(a, b),
                max(a, b),
                kind,
                label=text[:5],
                href=href,
                anchor=draw(st.one_of(st.none(), st.just("x1"))),
            )
        )
    return text, marks


@settings(deadline=None)
@given(text_and_marks())
def test_segments_tile_the_text_and_carry_exactly_the_covering_marks(
    case: tuple[str, list[Mark]],
) -> None:
    text, marks = case
    segs = segments(text, marks)
    assert "".join(s.text for s in segs) == text
    pos = 0
    for seg in segs:
        assert seg.start == pos and seg.end > seg.start and text[seg.start : seg.end] == seg.text
        pos = seg.end
        covering = {
            (m.kind, max(0, m.start), min(len(text), m.end))
            for m in marks
            if max(0, m.start) <= seg.start and seg.end <= min(len(text), m.end)
        }
        assert {(m.kind, m.start, m.end) for m in seg.marks} == covering
    assert pos == len(text)


class _TextOf(HTMLParser):
    """Collects text nodes, leaving out the pair-number tags (they are not article text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tags: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._skip += tag == "sup"

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag == "sup"

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


VIEWS = make_env().get_template("views.html").make_module({"urls": ServerUrls()})


@settings(deadline=None, max_examples=60)
@given(text_and_marks())
def test_rendered_text_is_the_article_text_escaped(case: tuple[str, list[Mark]]) -> None:
    text, marks = case
    html = VIEWS.text_block(segments(text, marks))
    parser = _TextOf()
    parser.feed(str(html))
    parser.close()
    assert "".join(parser.parts) == text
    assert set(parser.tags) <= {"div", "span", "a", "sup"}


def test_nested_and_crossing_marks() -> None:
    text = "0123456789"
    segs = segments(text, [Mark(0, 6, "reuse"), Mark(3, 9, "quote"), Mark(4, 5, "figure")])
    assert [(s.start, s.end, [m.kind for m in s.marks]) for s in segs] == [
        (0, 3, ["reuse"]),
        (3, 4, ["reuse", "quote"]),
        (4, 5, ["reuse", "quote", "figure"]),
        (5, 6, ["reuse", "quote"]),
        (6, 9, ["quote"]),
        (9, 10, []),
    ]
    assert segs[2].classes == "k-reuse k-quote k-figure"


def test_link_priority_and_anchor_only_where_mark_begins() -> None:
    segs = segments(
        "abcdef",
        [
            Mark(0, 4, "quote", href="/q", anchor="q1"),
            Mark(2, 6, "reuse", href="/src", anchor="r1"),
        ],
    )
    assert [s.href for s in segs] == ["/q", "/src", "/src"]
    assert [s.anchors for s in segs] == [["q1"], ["r1"], []]


def test_coverage_and_uncovered() -> None:
    assert coverage([(0, 5), (3, 8), (20, 30)], 25) == 13
    assert coverage([], 10) == 0
    sentences = [(0, 10), (11, 20), (21, 30)]
    assert uncovered(sentences, [(12, 15)]) == [(0, 10), (21, 30)]
    assert uncovered(sentences, []) == sentences
    assert uncovered(sentences, [(0, 30)]) == []
