"""Canonical speakers across the corpus.

Each article names its speakers in its own way; here the forms meet. A short name joins the
one longer name in the corpus that ends with it ("Peskov" → "Dmitry Peskov"); organisation
names that differ only by a demonym or possessive join ("Russia’s Foreign Ministry" and
"the Russian Foreign Ministry"). What kind of thing a name is comes from corpus evidence:
spaCy's label for the name, summed over every article, plus syntactic votes (a name that
follows the locative "in" is a place), so that a city the tagger sometimes calls a person
is still treated as a place.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import Quote, Speaker
from ..store import content_hash
from ..unionfind import UnionFind
from .entities import name_key

_PLACE_WEIGHT = 2


@dataclass
class _Node:
    key: tuple[str, ...]
    forms: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)

    @property
    def label(self) -> str | None:
        return self.labels.most_common(1)[0][0] if self.labels else None


def _label_votes(entity: Mapping[str, Any]) -> Counter[str]:
    votes: Counter[str] = Counter({k: int(v) for k, v in entity.get("labels", {}).items()})
    places = int(entity.get("contexts", {}).get("place", 0))
    if places:
        votes["GPE"] += _PLACE_WEIGHT * places
    return votes


def _similar_org(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if a == b or len(a) != len(b) or len(a) < 2:
        return a == b
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        short, long_ = sorted((x, y), key=len)
        if len(short) < 4 or not long_.startswith(short):
            return False
    return True


def _org_signature(key: tuple[str, ...]) -> tuple[str, ...]:
    """Equal for any two names ``_similar_org`` accepts (equal words, or one word a prefix
    of at least four letters of the other, agree on their first four letters)."""
    return tuple(word[:4] for word in key)


def _suffix_index(
    keys: Sequence[tuple[str, ...]] | Mapping[tuple[str, ...], Any], proper: bool = True
) -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """For every word-suffix of every key, the keys ending with it (only longer keys when
    ``proper``), in ``keys`` order."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for k in keys:
        for size in range(1, len(k) + (0 if proper else 1)):
            out[k[-size:]].append(k)
    return dict(out)


@dataclass(frozen=True)
class Canon:
    speakers: list[Speaker]
    by_quote: dict[str, str | None]  # quote id -> canonical speaker name
    places: frozenset[str]  # speakers that are place names (a capital "said")


def canonical_speakers(records: Mapping[str, Mapping[str, Any]], quotes: Sequence[Quote]) -> Canon:
    """Speakers of the corpus and, per quote id, its canonical speaker's name."""
    nodes: dict[tuple[str, ...], _Node] = {}

    def node(key: tuple[str, ...]) -> _Node:
        if key not in nodes:
            nodes[key] = _Node(key)
        return nodes[key]

    for record in records.values():
        for entity in record.get("entities", []):
            key = name_key(entity["name"])
            if not key:
                continue
            n = node(key)
            n.labels.update(_label_votes(entity))
            n.roles.update(entity.get("roles", []))
            for form in entity.get("forms", []):
                fkey = name_key(form)
                if fkey and fkey != key:
                    node(fkey).labels.update(_label_votes(entity))
    for q in quotes:
        if q.speaker is None:
            continue
        key = name_key(q.speaker)
        if not key:
            continue
        n = node(key)
        n.forms[q.speaker] += 1
        kind = records.get(q.article, {}).get("speaker_kinds", {}).get(q.speaker)
        if kind:
            n.kinds[kind] += 1
    sets: UnionFind[tuple[str, ...]] = UnionFind(nodes)
    find = sets.find

    keys = sorted(nodes, key=len, reverse=True)
    # Indexes instead of scans over every name (the corpus has tens of thousands): the
    # longer names ending with a name, and the names that could be _similar_org (their
    # words agree on the first four letters).
    ending_with = _suffix_index(keys)
    alike: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
    for k in keys:
        alike[_org_signature(k)].append(k)
    for short in keys:
        longer = ending_with.get(short, [])
        is_person = nodes[short].label == "PERSON" or any(
            nodes[k].label == "PERSON" for k in longer
        )
        targets = {find(k) for k in longer if nodes[k].label == "PERSON"}
        if is_person and len(targets) == 1 and nodes[short].label in ("PERSON", None):
            sets.union(short, targets.pop())
            continue
        # "Red Cross" for "Estravian Red Cross": a name of two words or more that ends the
        # one longer organisation name in the corpus.
        org_targets = {find(k) for k in longer if nodes[k].label not in ("PERSON", None)}
        if not is_person and len(short) >= 2 and len(org_targets) == 1:
            sets.union(short, org_targets.pop())
            continue
        for other in alike[_org_signature(short)]:
            if other != short and _similar_org(short, other) and find(other) != find(short):
                sets.union(short, other)
    # A title used as a name ("the Interior Minister said") joins the one person holding it.
    role_keys: dict[tuple[str, ...], set[tuple[str, ...]]] = defaultdict(set)
    for key, n in nodes.items():
        if n.label == "PERSON":
            for title in n.roles:
                role_keys[name_key(title)].add(find(key))
    roles_ending_with = _suffix_index(role_keys, proper=False)
    for key, n in nodes.items():
        if n.label is not None or not n.forms:
            continue
        holders = {root for rk in roles_ending_with.get(key, []) for root in role_keys[rk]}
        if len(holders) == 1:
            sets.union(key, holders.pop())
    groups: dict[tuple[str, ...], list[_Node]] = defaultdict(list)
    for key, n in nodes.items():
        groups[find(key)].append(n)
    name_of: dict[tuple[str, ...], str] = {}
    speakers: list[Speaker] = []
    places: set[str] = set()
    for members in groups.values():
        forms: Counter[str] = Counter()
        for m in members:
            forms.update(m.forms)
        if not forms:
            continue  # an entity that never speaks
        best = max(forms, key=lambda f: (len(name_key(f)), forms[f], f))
        labels: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        roles: Counter[str] = Counter()
        for m in members:
            labels.update(m.labels)
            kinds.update(m.kinds)
            roles.update(m.roles)
        kind = _kind(labels, kinds)
        if labels and labels.most_common(1)[0][0] in ("GPE", "LOC"):
            places.add(best)
        role = roles.most_common(1)[0][0] if roles else None
        aliases = tuple(sorted(set(forms) - {best} | set(roles)))
        speakers.append(
            Speaker(id=content_hash(best), name=best, kind=kind, role=role, aliases=aliases)  # type: ignore[arg-type]
        )
        for m in members:
            name_of[m.key] = best
    mapping: dict[str, str | None] = {}
    for q in quotes:
        mapping[q.id] = None if q.speaker is None else name_of.get(name_key(q.speaker), q.speaker)
    return Canon(sorted(speakers, key=lambda s: s.name), mapping, frozenset(places))


def _kind(labels: Counter[str], kinds: Counter[str]) -> str:
    if kinds.get("anonymous"):
        return "anonymous"
    if labels:
        top = labels.most_common(1)[0][0]
        return "person" if top == "PERSON" else "org"
    named = [k for k, _ in kinds.most_common() if k not in ("pronoun",)]
    return named[0] if named else "unknown"
