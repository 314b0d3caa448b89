"""Numerals: digits, words, magnitudes, ranges (never averaged), years, misprint distance."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wiretrace.figures.numbers import (
    hamming,
    is_year,
    misprint_distance,
    parse_digits,
    parse_numeral,
    parse_words,
    shared_magnitude,
)


def test_digits_with_separators_and_decimals() -> None:
    assert parse_digits("13,550") == 13550
    assert parse_digits("4.5") == 4.5
    assert parse_digits("10k") == 10000
    assert parse_digits("2.15pm") is None
    assert parse_digits("1,23") is None


def test_number_words_go_through_a_parser() -> None:
    assert parse_words(["nine"]) == 9
    assert parse_words(["two", "thousand", "five", "hundred"]) == 2500
    assert parse_words(["twenty-one"]) == 21
    assert parse_words(["people"]) is None


def test_magnitude_words_multiply_digits() -> None:
    n = parse_numeral(["3", "million"])
    assert n is not None and n.low == n.high == 3_000_000
    n = parse_numeral(["4.2", "million"])
    assert n is not None and abs(n.low - 4_200_000) < 1e-6


def test_ranges_are_kept_as_ranges_with_shared_magnitude() -> None:
    n = parse_numeral(["70", "-", "90,000"])
    assert n is not None and (n.low, n.high) == (70_000, 90_000)
    n = parse_numeral(["70-90,000"])
    assert n is not None and (n.low, n.high) == (70_000, 90_000)
    n = parse_numeral(["30,000", "and", "40,000"])
    assert n is not None and (n.low, n.high) == (30_000, 40_000)
    n = parse_numeral(["1", "-", "2", "million"])
    assert n is not None and (n.low, n.high) == (1_000_000, 2_000_000)
    n = parse_numeral(["5", "-", "10"])
    assert n is not None and (n.low, n.high) == (5, 10)


def test_years_are_recognised() -> None:
    assert is_year("2020") and is_year("1988")
    assert not is_year("2,000") and not is_year("120") and not is_year("20200")


def test_hamming_counts_misprinted_digits() -> None:
    assert hamming("2000", "2020") == 1
    assert hamming("2002", "2020") == 2
    assert hamming("200", "2020") == 4
    assert misprint_distance("1897", "1987") == 1
    assert misprint_distance("2002", "2020") == 1
    assert misprint_distance("1988", "2020") > 1
    assert misprint_distance("2000", "2020") == 1


@given(st.integers(min_value=0, max_value=10**12))
def test_any_grouped_integer_parses_back(value: int) -> None:
    n = parse_numeral([f"{value:,}"])
    assert n is not None and n.low == n.high == value


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=1, max_value=999))
def test_a_range_is_never_averaged(a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    n = parse_numeral([str(low), "-", f"{high},000"])
    assert n is not None
    assert n.low < n.high
    assert n.high == high * 1000
    assert n.low in (low, low * 1000)
    assert (n.low + n.high) / 2 not in (n.low, n.high)


@given(st.floats(min_value=1, max_value=1e6), st.floats(min_value=1, max_value=1e6))
def test_shared_magnitude_keeps_low_below_high(low: float, high: float) -> None:
    scaled = shared_magnitude(low, high, str(low), f"{high:,.0f}")
    assert scaled == low or low < scaled < high
