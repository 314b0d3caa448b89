"""Figure and time-expression extraction from a spaCy parse (needs the language model)."""

from __future__ import annotations

from datetime import date

import pytest

from wiretrace.figures.extract import FigureFinding, figures_in, time_expressions

pytestmark = pytest.mark.slow


def extract(nlp, text: str, published: date | None = None) -> list[FigureFinding]:  # type: ignore[no-untyped-def]
    doc = nlp(text)
    return figures_in(doc, time_expressions(doc, published))


def only(found: list[FigureFinding], text: str, needle: str) -> FigureFinding:
    hits = [f for f in found if needle in text[f.span.start : f.span.end]]
    assert len(hits) == 1, [text[f.span.start : f.span.end] for f in found]
    return hits[0]


def test_count_with_qualifier_and_what(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The refugee agency said more than 88,000 people have crossed into Armenia from the region."
    )
    f = only(extract(nlp, text), text, "88,000")
    assert f.value == 88_000 and f.qualifier == "more than" and f.unit is None
    assert f.what is not None and f.what.startswith("people that crossed into Armenia")


def test_range_is_kept_and_between_is_not_a_qualifier(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Initial planning figures were for between 70-90,000 refugees."
    f = only(extract(nlp, text), text, "90,000")
    assert f.value == (70_000, 90_000) and f.qualifier is None and f.what == "refugees"


def test_hyphenated_compounds(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Russia deployed a 2,000-strong peacekeeping mission after the 44-day war."
    found = extract(nlp, text)
    strong = only(found, text, "2,000")
    assert strong.value == 2000 and "peacekeeping mission" in (strong.what or "")
    assert text[strong.span.start : strong.span.end].startswith("2,000-strong")
    war = only(found, text, "44")
    assert war.kind == "duration" and war.unit == "days" and war.what == "days of war"


def test_number_words_and_durations(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "They have lived under nine months of blockade after six weeks of fighting."
    found = extract(nlp, text)
    months = only(found, text, "nine")
    assert months.value == 9 and months.unit == "months" and months.what == "months of blockade"
    assert only(found, text, "six").value == 6


def test_fraction_of_a_stated_total(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Officials said more than half of the region's population of 120,000 had left."
    found = extract(nlp, text)
    half = only(found, text, "more than half")
    assert half.value == 60_000 and half.qualifier == "more than"
    total = [f for f in found if f.value == 120_000]
    assert len(total) == 1 and (total[0].what or "").startswith("population")


def test_years_dates_and_clock_times_are_not_counts(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The alliance was formed in 2002. Talks ended at 2.15pm on September 26, "
        "and the 2020 war lasted weeks."
    )
    assert extract(nlp, text) == []


def test_money_and_percent(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "Shares fell 4.5% after the bank lent the state $3 million."
    found = extract(nlp, text)
    pct = only(found, text, "4.5")
    assert pct.value == 4.5 and pct.unit == "%" and pct.kind == "percent"
    money = only(found, text, "3")
    assert money.value == 3_000_000 and money.kind == "money" and money.unit == "$"


def test_projection_is_not_a_fact(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The total could reach 120,000. By noon, 300 people had registered."
    found = extract(nlp, text)
    assert not only(found, text, "120,000").realis
    assert only(found, text, "300").realis


def test_as_of_comes_from_the_clause_time(nlp) -> None:  # type: ignore[no-untyped-def]
    text = (
        "According to the authorities, a total of 13,550 people had entered the country "
        "by the morning of Tuesday, September 26."
    )
    doc = nlp(text)
    times = time_expressions(doc, date(2023, 9, 26))
    f = only(figures_in(doc, times), text, "13,550")
    assert f.time is not None and times[f.time].value.label == "2023-09-26"
    assert times[f.time].text.startswith("by the morning")
    assert f.what == "people that entered country"


def test_reporting_time_anchors_reported_figures(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "The agency on Friday said 88,000 people have crossed the border."
    doc = nlp(text)
    times = time_expressions(doc, date(2023, 10, 2))
    f = only(figures_in(doc, times), text, "88,000")
    assert f.time is not None and times[f.time].value.label == "2023-09-29"


def test_durations_are_not_time_points(nlp) -> None:  # type: ignore[no-untyped-def]
    doc = nlp("It put an end to six weeks of intense fighting in 2020.")
    labels = [t.value.label for t in time_expressions(doc, None)]
    assert labels == ["2020"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("4. The campaign raised $5 million.", "4"),
        ("Here is one question for the candidate.", "one"),
        ("Article 21 of the constitution protects speech.", "21"),
        ("The S&P 500 fell 2% on Monday.", "500"),
        ("The iPhone 7 sold 10 million units.", "7"),
        ("The F-16 jets cost $30 million each.", "16"),
    ],
)
def test_labels_and_list_markers_are_not_figures(nlp, text: str, label: str) -> None:  # type: ignore[no-untyped-def]
    found = [text[f.span.start : f.span.end] for f in extract(nlp, text)]
    assert not any(label in f.split() or f == label for f in found), found


def test_dozens_multiply(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "About 2 dozen protesters and three dozen donors gathered."
    assert only(extract(nlp, text), text, "2 dozen").value == 24
    assert only(extract(nlp, text), text, "three dozen").value == 36


def test_one_death_is_still_a_figure(nlp) -> None:  # type: ignore[no-untyped-def]
    text = "One person died in the fire."
    assert only(extract(nlp, text), text, "One").value == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Clinton will debate Trump on November 8.", "2016-11-08"),
        ("The upcoming November 8 election is close.", "2016-11-08"),
        ("Ahead of the Nov. 8 election, polls tightened.", "2016-11-08"),
        ("Trump spoke in Ohio on September 12.", "2016-09-12"),
        ("He said last November that he would run.", "2015-11"),
        ("The monitor runs at 1440p.", None),
    ],
)
def test_dates_follow_the_tense_of_their_clause(nlp, text: str, expected: str | None) -> None:  # type: ignore[no-untyped-def]
    times = time_expressions(nlp(text), date(2016, 10, 1))
    labels = [t.value.label for t in times if t.value.resolved]
    assert labels == ([expected] if expected else []), labels
