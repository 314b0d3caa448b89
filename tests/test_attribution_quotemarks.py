"""The one quotation-mark scanner shared by attribution, reuse and cleaning."""

from __future__ import annotations

from wiretrace.quotemarks import find_segments, is_inside, outside_words, quoted_ranges, with_marks


def test_two_single_marks_typed_for_a_double_one() -> None:
    text = "He said ''we stay,'' and left. It's Tom's."
    (seg,) = find_segments(text)
    assert text[seg.start : seg.end] == "we stay,"


def test_ranges_inside_and_words_outside_agree() -> None:
    text = "She said “we stay” and ‘they go’ but don’t."
    ranges = quoted_ranges(text)
    assert [text[a:b] for a, b in ranges] == ["“we stay”", "‘they go’"]
    assert not is_inside(ranges, text.index("“"))  # the opening mark is outside
    assert is_inside(ranges, text.index("stay")) and is_inside(ranges, text.index("”"))
    assert not is_inside(ranges, text.index("don"))
    assert outside_words(text.split()) == ["She", "said", "and", "but", "don’t."]


def test_with_marks_takes_in_marks_and_closing_punctuation() -> None:
    text = "He said, “We stay.” Then: that “it” works."
    start = text.index("We")
    assert text[slice(*with_marks(text, start, start + len("We stay")))] == "“We stay.”"
    start = text.index("that")
    assert with_marks(text, start, start + 4) == (start, start + 4)
