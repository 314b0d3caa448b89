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
