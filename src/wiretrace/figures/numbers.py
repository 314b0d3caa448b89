"""Numerals as written in news text: digits, number words, magnitudes, ranges, fractions.

Number words go through ``text2num`` (a real word-to-number parser); this module only
splits a numeral into its parts, applies magnitude words and decides how a range's
bounds share a magnitude ("70-90,000" is 70,000 to 90,000, never 80,000).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from text_to_num import text2num  # type: ignore[import-untyped]

# Fraction words are a closed class; text2num reads cardinals only.
FRACTIONS: dict[str, float] = {
    "half": 0.5,
    "halves": 0.5,
    "third": 1 / 3,
    "thirds": 1 / 3,
    "quarter": 0.25,
    "quarters": 0.25,
    "fifth": 0.2,
    "fifths": 0.2,
    "tenth": 0.1,
    "tenths": 0.1,
}
# Counting words that multiply like magnitudes ("two dozen" is 24); text2num has none.
MULTIPLIERS: dict[str, float] = {"dozen": 12.0, "half-dozen": 6.0}
# Range separators between two numerals.
RANGE_WORDS = frozenset({"-", "–", "—", "to", "and", "or"})
_DIGITS = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_SUFFIXED = re.compile(r"^(\d+(?:\.\d+)?)(k|m|bn|b)$", re.IGNORECASE)
_SUFFIX_SCALE = {"k": 1e3, "m": 1e6, "b": 1e9, "bn": 1e9}


@dataclass(frozen=True, slots=True)
class Numeral:
    """A parsed numeral: a single value (low == high) or a range."""

    low: float
    high: float
    written: str  # "digits" | "words" | "mixed"

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def parse_digits(text: str) -> float | None:
    """'13,550' -> 13550.0; '4.5' -> 4.5; '10k' -> 10000.0; anything else -> None."""
    t = text.strip()
    if _DIGITS.match(t):
        return float(t.replace(",", ""))
    m = _SUFFIXED.match(t)
    if m:
        return float(m.group(1)) * _SUFFIX_SCALE[m.group(2).lower()]
    return None


def parse_words(words: Sequence[str]) -> float | None:
    """Number words ('two thousand five hundred', 'nine') via text2num; None if not a number."""
    cleaned = [w.lower() for w in words if w.strip() and w.lower() not in {"a", "an"}]
    if not cleaned:
        return None
    if cleaned[-1] in MULTIPLIERS:
        if len(cleaned) == 1:
            return MULTIPLIERS[cleaned[0]]
        base = parse_words(cleaned[:-1])
        return None if base is None else base * MULTIPLIERS[cleaned[-1]]
    try:
        return float(text2num(" ".join(cleaned), "en"))
    except ValueError:
        return None


def is_multiplier(word: str) -> bool:
    return word.lower() in MULTIPLIERS


def is_number_word(word: str) -> bool:
    return parse_words([word]) is not None


def parse_value(parts: Sequence[str]) -> tuple[float, str] | None:
    """One numeral made of digit and/or word tokens: ['3', 'million'] -> 3e6.

    Digits followed by magnitude words multiply ("1.5 billion"); pure words go to text2num.
    """
    parts = [p for p in parts if p.strip()]
    if not parts:
        return None
    digits = [parse_digits(p) for p in parts]
    if all(d is None for d in digits):
        value = parse_words(parts)
        return None if value is None else (value, "words")
    if digits[0] is None:
        return None
    value = digits[0]
    rest = parts[1:]
    if not rest:
        return value, "digits"
    scale = parse_words(rest)
    if scale is None or any(d is not None for d in digits[1:]):
        return None
    if scale < 100 and not (len(rest) == 1 and is_multiplier(rest[0])):
        return None
    return value * scale, "mixed"


def shared_magnitude(low: float, high: float, low_text: str, high_text: str) -> float:
    """Scale a range's low bound written without the high bound's magnitude.

    "70-90,000": the low bound '70' takes the thousands of '90,000' when that keeps it
    below the high bound; "5-10%" or "10-12" are left as written.
    """
    if low >= high or low == 0:
        return low
    groups = high_text.count(",")
    if groups and "," not in low_text:
        scaled = float(low) * float(1000**groups)
        if scaled < high and scaled * 10 >= high:
            return scaled
    return float(low)


def parse_range(low_parts: Sequence[str], high_parts: Sequence[str]) -> Numeral | None:
    low = parse_value(low_parts)
    high = parse_value(high_parts)
    if low is None or high is None:
        return None
    high_v, high_kind = high
    low_v, low_kind = low
    # "1-2 million": the magnitude word after the high bound applies to both.
    if high_kind == "mixed" and low_kind == "digits" and len(high_parts) > 1:
        scale = parse_words(high_parts[1:]) or 1.0
        if low_v * scale <= high_v:
            low_v *= scale
    else:
        low_v = shared_magnitude(low_v, high_v, " ".join(low_parts), " ".join(high_parts))
    if low_v > high_v:
        low_v, high_v = high_v, low_v
    kind = low_kind if low_kind == high_kind else "mixed"
    return Numeral(low_v, high_v, kind)


def parse_numeral(parts: Sequence[str]) -> Numeral | None:
    """Tokens of one numeral, possibly a range ('70', '-', '90,000')."""
    parts = [p for p in parts if p.strip()]
    for i, part in enumerate(parts):
        if part.lower() in RANGE_WORDS and 0 < i < len(parts) - 1:
            return parse_range(parts[:i], parts[i + 1 :])
    # A hyphenated range kept in one token: "70-90,000".
    if len(parts) == 1 and "-" in parts[0].strip("-"):
        low_text, _, high_text = parts[0].partition("-")
        return parse_range([low_text], [high_text])
    value = parse_value(parts)
    if value is None:
        return None
    return Numeral(value[0], value[0], value[1])


def is_year(text: str) -> bool:
    """A four-digit number written without a separator in the range of calendar years."""
    t = text.strip()
    return len(t) == 4 and t.isdigit() and 1000 <= int(t) <= 2199


def misprint_distance(a: str, b: str) -> int:
    """1 when ``b`` is ``a`` with one digit changed or two adjacent digits swapped
    ('2000'/'2020', '1897'/'1987'); 0 when equal; larger otherwise."""
    d = hamming(a, b)
    if d == 2 and len(a) == len(b):
        pos = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if pos[1] == pos[0] + 1 and a[pos[0]] == b[pos[1]] and a[pos[1]] == b[pos[0]]:
            return 1
    return d


def hamming(a: str, b: str) -> int:
    """Digits that differ between two numbers of the same length (a one-digit misprint is 1)."""
    if len(a) != len(b):
        return max(len(a), len(b))
    return sum(x != y for x, y in zip(a, b, strict=True))
