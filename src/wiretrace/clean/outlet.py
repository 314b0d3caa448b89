"""Which outlet published an article, when nothing but its text says so.

Outlets name themselves in the lines they add around the story: bylines ("… by Peoples
Dispatch"), appeals ("Support The Moscow Times!", "A Message from …"). The candidates are
organisation-like names found by the parser (entities and proper-noun chunks) in exactly
those lines; no list of outlet names is involved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import urlsplit

from .features import LineFeatures

BYLINE_WEIGHT = 3
MIN_EVIDENCE = 2


def outlet_key(name: str) -> str:
    """Grouping key: "The Moscow Times", "Moscow Times" and "themoscowtimes.com" agree."""
    lowered = name.strip().lower()
    if "." in lowered and " " not in lowered:
        # A host name: drop "www." and the top-level domain, and a glued leading "the".
        host = lowered.removeprefix("www.").rsplit(".", 1)[0]
        key = "".join(ch for ch in host if ch.isalnum())
        return key[3:] if key.startswith("the") and len(key) > 6 else key
    words = "".join(ch if ch.isalnum() else " " for ch in lowered).split()
    if words and words[0] == "the":
        words = words[1:]
    return "".join(words)


# Short words kept lower-case inside a re-cased name ("Voice of America").
_MINOR = frozenset({"a", "an", "and", "at", "by", "de", "for", "in", "la", "of", "on", "the", "to"})
_EDGE = " \t-–—|:·•,;/\\\"'“”‘’()[]"
_TAGLINE = (" | ", " - ", " – ", " — ", " :: ", " · ", " • ")


_VOWELS = frozenset("aeiou")


def _acronym(word: str) -> bool:
    """Letters read one by one (USA, CNN, AP, ABC7, WNYC), not a word (NEW, FOX, TODAY).

    Words of three letters read as words when shaped consonant-vowel-consonant; longer
    ones when they hold a vowel."""
    letters = [ch.lower() for ch in word if ch.isalpha()]
    vowel = [ch in _VOWELS for ch in letters]
    if any(ch.isdigit() for ch in word) or len(letters) <= 2:
        return True
    if len(letters) == 3:
        return vowel != [False, True, False]
    return not any(vowel)


def _recase(word: str, first: bool) -> str:
    if word.lower() not in _MINOR and _acronym(word):
        return word
    if word.lower() in _MINOR and not first:
        return word.lower()
    return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))


def normalise_outlet(name: str | None) -> str | None:
    """One spelling per outlet: spacing, edge punctuation, taglines and shouting removed.

    "USA TODAY" and "USA Today" agree, "POLITICO" reads "Politico", "  The Hill |" reads
    "The Hill", "Fox News - Breaking News Updates" reads "Fox News". Names that mix cases
    are the outlet's own styling ("theGrio", "NBCNews") and stay as they are.
    """
    text = " ".join((name or "").split())
    for sep in _TAGLINE:
        head = text.split(sep, 1)[0].strip(_EDGE)
        if head and sep in text and any(ch.isalpha() for ch in head):
            text = head
    text = text.strip(_EDGE)
    if not any(ch.isalpha() for ch in text):
        return None
    letters = [ch for ch in text if ch.isalpha()]
    is_host = "." in text and " " not in text
    if not is_host and all(ch.isupper() for ch in letters) and len(letters) > 3:
        words = text.split()
        if len(words) > 1 or len(letters) > 4:
            text = " ".join(_recase(w, k == 0) for k, w in enumerate(words))
    return text


def outlet_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname
    return None if not host else host.removeprefix("www.")


def infer_outlet(
    self_reference: Iterable[LineFeatures], byline_outlets: Iterable[str] = ()
) -> str | None:
    """The organisation the article's own framing lines name most, if the evidence suffices."""
    score: Counter[str] = Counter()
    surfaces: dict[str, Counter[str]] = {}
    for name in byline_outlets:
        key = outlet_key(name)
        if key:
            score[key] += BYLINE_WEIGHT
            surfaces.setdefault(key, Counter())[name] += BYLINE_WEIGHT
    for line in self_reference:
        seen: set[str] = set()
        for name, weight in line.orgs:
            key = outlet_key(name)
            if not key or key in seen:
                continue
            seen.add(key)
            score[key] += weight
            surfaces.setdefault(key, Counter())[name] += 1
    if not score:
        return None
    best_score = max(score.values())
    best = min(k for k, v in score.items() if v == best_score)
    if best_score < MIN_EVIDENCE:
        return None
    forms = surfaces[best]
    top = max(forms.values())
    # Most frequent spelling; between equals, the fuller one ("The Moscow Times").
    return max((f for f, c in forms.items() if c == top), key=lambda f: (len(f), f))


def canonical_outlets(counts: dict[str, int]) -> dict[str, str]:
    """Renames that give every outlet one name across the corpus.

    Names that agree on ``outlet_key`` ("nytimes.com", "The New York Times", "New York
    Times") are one outlet, named by the most used form that is not a host name, and
    between equals by the fuller one. Returns ``{old: new}`` for the forms that change.
    """
    groups: dict[str, list[str]] = {}
    for name in counts:
        key = outlet_key(name)
        if key:
            groups.setdefault(key, []).append(name)
    renames: dict[str, str] = {}
    for names in groups.values():
        if len(names) < 2:
            continue
        best = max(
            names,
            key=lambda n: (not _is_host(n), counts[n], len(n), n),
        )
        renames.update({n: best for n in names if n != best})
    return renames


def _is_host(name: str) -> bool:
    return "." in name and " " not in name
