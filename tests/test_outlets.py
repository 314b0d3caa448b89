"""Outlet names: one spelling per outlet, never a person's name."""

from __future__ import annotations

import pytest

from wiretrace.clean.outlet import canonical_outlets, normalise_outlet


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("USA TODAY", "USA Today"),
        ("USA Today", "USA Today"),
        ("POLITICO", "Politico"),
        ("THE NEW YORK TIMES", "The New York Times"),
        ("VOICE OF AMERICA", "Voice of America"),
        ("FOX NEWS", "Fox News"),
        ("CBS NEWS", "CBS News"),
        ("ABC7 NEWS", "ABC7 News"),
        ("WNYC", "WNYC"),
        ("AL-MONITOR", "Al-Monitor"),
        ("  The Hill |", "The Hill"),
        ("Fox News - Breaking News Updates", "Fox News"),
        ("theGrio", "theGrio"),  # the outlet's own styling
        ("nytimes.com", "nytimes.com"),
        ("AP", "AP"),
        (" -- ", None),
    ],
)
def test_outlet_spellings_are_normalised(raw: str, name: str | None) -> None:
    assert normalise_outlet(raw) == name
    if name is not None:
        assert normalise_outlet(name) == name  # a fixed point


def test_one_name_per_outlet_across_the_corpus() -> None:
    counts = {"usatoday.com": 5, "USA Today": 2, "The USA Today": 2, "The Hill": 4}
    renames = canonical_outlets(counts)
    # The host is an alias; the most used name wins, the fuller one between equals.
    assert renames == {"usatoday.com": "The USA Today", "USA Today": "The USA Today"}
    assert canonical_outlets({"a.com": 1, "b.com": 1}) == {}


@pytest.mark.slow
def test_a_byline_the_parser_does_not_know_is_a_person_not_the_outlet() -> None:
    from wiretrace.clean.text import clean_text
    from wiretrace.nlp import load_spacy

    nlp = load_spacy("en_core_web_md")
    body = (
        "Donald Trump said on Sunday that the wall will be built. He spoke at length to the "
        "crowd in the evening about it.\n"
    )
    person = clean_text(f"Trump Says Wall Will Rise\n\nBy Pam Key\n\n{body}", nlp)
    assert (person.byline, person.outlet) == ("Pam Key", None)
    agency = clean_text(f"Trump Says Wall Will Rise\n\nBy Associated Press\n\n{body}", nlp)
    assert agency.outlet == "Associated Press"
