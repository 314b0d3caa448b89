"""Canonical speakers across the corpus: entity resolution that a user can check.

Each article names its speakers in its own way; here the forms meet, conservatively, and
every join keeps its reason (shown by ``wiretrace speakers show``):

- one name: the same words, with or without an honorific ("Mr. Peskov" is "Peskov");
- the same person: two full names with the same first and last name ("Donald J. Trump"
  and "Donald Trump");
- a short form: a name that ends the one longer person's name in the corpus it can be
  ("Peskov" → "Dmitry Peskov"); the gender an honorific gives ("Mrs. Clinton") must agree;
- an organisation variant: names that differ by a demonym or possessive ("Russia’s
  Foreign Ministry", "the Russian Foreign Ministry"), or a name of two words or more that
  ends the one longer organisation name;
- a title ("the Interior Minister said"): joins the one person holding that title only
  when that person is named in every article where the title speaks (in-text evidence).

Titles never become canonical names and never join two named people; what kind of thing
a name is comes from its own name evidence (spaCy's label summed over every article, plus
a place vote for names after "in"), never from a title. A user's edits (merge, split,
rename), stored apart, are applied last, so they survive every re-analysis.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..models import Speaker, SpeakerEdit
from ..store import content_hash
from ..unionfind import ArrayUnionFind
from .entities import name_key

_PLACE_WEIGHT = 2
# Closed classes: courtesy titles (with the gender they state) dropped from a name's key.
_HONORIFICS = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "mister": "m"}

Key = tuple[str, ...]


@dataclass(slots=True)
class _Node:
    key: Key
    forms: Counter[str] = field(default_factory=Counter)  # as a speaker
    names: Counter[str] = field(default_factory=Counter)  # as a named entity
    labels: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    roles: Counter[str] = field(default_factory=Counter)
    genders: Counter[str] = field(default_factory=Counter)
    titles: dict[str, str] = field(default_factory=dict)  # title speaking for it -> why

    @property
    def label(self) -> str | None:
        return self.labels.most_common(1)[0][0] if self.labels else None

    @property
    def gender(self) -> str | None:
        if len(self.genders) != 1:
            return None  # none stated, or contradicting
        return next(iter(self.genders))


def person_key(name: str) -> tuple[Key, str | None]:
    """A name's key without a leading courtesy title, and the gender that title states."""
    key = name_key(name)
    gender = None
    while len(key) > 1 and key[0] in _HONORIFICS:
        gender = _HONORIFICS[key[0]] or gender
        key = key[1:]
    return key, gender


def _stated_gender(votes: Mapping[str, int]) -> str | None:
    m, f = int(votes.get("m", 0)), int(votes.get("f", 0))
    if m + f >= 2 and (m > 2 * f or f > 2 * m):
        return "m" if m > f else "f"
    return None


def _label_votes(entity: Mapping[str, Any]) -> Counter[str]:
    votes: Counter[str] = Counter({k: int(v) for k, v in entity.get("labels", {}).items()})
    places = int(entity.get("contexts", {}).get("place", 0))
    if places:
        votes["GPE"] += _PLACE_WEIGHT * places
    return votes


def _similar_org(a: Key, b: Key) -> bool:
    if a == b or len(a) != len(b) or len(a) < 2:
        return a == b
    for x, y in zip(a, b, strict=True):
        if x == y:
            continue
        short, long_ = sorted((x, y), key=len)
        if len(short) < 4 or not long_.startswith(short):
            return False
    return True


def _title_key(role: str) -> Key:
    """A title's own words: "head of the Miners' Union" is a head, not a union."""
    words = name_key(role)
    for i, w in enumerate(words):
        if w in ("of", "for", "at", "in") and i > 0:
            return words[:i]
    return words


class Said(Protocol):
    """What resolving speakers reads of a quote (a ``Quote`` or a lighter row)."""

    @property
    def id(self) -> str: ...
    @property
    def article(self) -> str: ...
    @property
    def speaker(self) -> str | None: ...


@dataclass(frozen=True)
class Canon:
    speakers: list[Speaker]
    places: frozenset[str]  # speakers that are place names (a capital "said")
    # canonical name -> (alias, why it is this speaker), one row per joined name
    evidence: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    name_of: dict[Key, str] = field(default_factory=dict)  # name key -> canonical name
    by_title: dict[str, Key] = field(default_factory=dict)  # quote id -> its title's holder

    def speaker_of(self, quote: Said) -> str | None:
        """The quote's canonical speaker's name (asked per quote: a map over every quote
        of the corpus is never held)."""
        if quote.speaker is None:
            return None
        key = self.by_title.get(quote.id) or person_key(quote.speaker)[0]
        return self.name_of.get(key, quote.speaker)


class _Resolver:
    """The union of name nodes, with the reason of every join and the user's splits."""

    def __init__(self, nodes: dict[Key, _Node], blocked: set[Key]) -> None:
        self.nodes = nodes
        self._keys = list(nodes)
        self._position = {k: i for i, k in enumerate(self._keys)}
        self.sets = ArrayUnionFind(len(self._keys))
        self.blocked = blocked
        self.reasons: dict[Key, str] = {}
        # per group, the votes of its names (only groups with some: most names have none)
        self._genders: dict[Key, Counter[str]] = {
            k: Counter(n.genders) for k, n in nodes.items() if n.genders
        }

    def find(self, key: Key) -> Key:
        return self._keys[self.sets.find(self._position[key])]

    def join(self, key: Key, target: Key, reason: str) -> bool:
        if key in self.blocked or target in self.blocked or self.find(key) == self.find(target):
            return False
        if not self._genders_agree(key, target):
            return False
        self.union(key, target)
        self.reasons.setdefault(key, reason)
        return True

    def union(self, a: Key, b: Key) -> None:
        none: Counter[str] = Counter()
        both = self._genders.get(self.find(a), none) + self._genders.get(self.find(b), none)
        self.sets.union(self._position[a], self._position[b])
        if both:
            self._genders[self.find(a)] = both

    def gender(self, key: Key) -> str | None:
        """The gender the group's titles and pronouns state, when they clearly agree."""
        votes = self._genders.get(self.find(key), Counter())
        m, f = votes.get("m", 0), votes.get("f", 0)
        if m > 2 * f:
            return "m"
        if f > 2 * m:
            return "f"
        return None

    def _genders_agree(self, a: Key, b: Key) -> bool:
        ga, gb = self.gender(a), self.gender(b)
        return ga is None or gb is None or ga == gb


def _is_person(n: _Node) -> bool:
    return n.label == "PERSON" or (n.label is None and bool(n.genders))


def canonical_speakers(
    records: Mapping[str, Mapping[str, Any]],
    quotes: Iterable[Said],
    edits: Sequence[SpeakerEdit] = (),
) -> Canon:
    """Speakers of the corpus and, per quote (``Canon.speaker_of``), its canonical
    speaker's name. ``quotes`` is read twice, in order (a store's rows can be read again
    instead of held)."""
    if iter(quotes) is quotes:
        raise TypeError("the quotes are read twice: give a collection, not an iterator")
    nodes: dict[Key, _Node] = {}

    def node(name: str) -> _Node | None:
        key, gender = person_key(name)
        if not key:
            return None
        if key not in nodes:
            nodes[key] = _Node(key)
        if gender:
            nodes[key].genders[gender] += 1
        return nodes[key]

    for _, record in records.items():
        for entity in record.get("entities", []):
            n = node(entity["name"])
            if n is None:
                continue
            votes = _label_votes(entity)
            n.labels.update(votes)
            gender = _stated_gender(entity.get("genders", {}))
            if gender is not None and entity.get("labels", {}).get("PERSON"):
                n.genders[gender] += 1  # the article's pronouns and titles agree on it
            n.names[entity["name"]] += 1
            n.roles.update(entity.get("roles", []))
            for form in entity.get("forms", []):
                f = node(form)
                if f is None:
                    continue
                if f.key != n.key:
                    f.labels.update(votes)
                    if entity.get("labels", {}).get("PERSON") and f.genders:
                        # "Mrs. Clinton" in the article that names Hillary Clinton
                        n.genders.update(f.genders)
    for q in quotes:
        if q.speaker is None:
            continue
        n = node(q.speaker)
        if n is None:
            continue
        n.forms[q.speaker] += 1
        kind = records.get(q.article, {}).get("speaker_kinds", {}).get(q.speaker)
        if kind:
            n.kinds[kind] += 1

    # The later of a merge and a split of the same name wins.
    last: dict[Key, tuple[int, str]] = {}
    for i, e in enumerate(edits):
        if e.action in ("merge", "split"):
            last[person_key(e.name)[0]] = (i, e.action)
    blocked = {k for k, (_, action) in last.items() if action == "split"}
    res = _Resolver(nodes, blocked)
    keys = sorted(nodes, key=len, reverse=True)
    people = [k for k in keys if len(k) >= 2 and nodes[k].label == "PERSON"]

    # The same person under two full names: same first and same last name.
    by_ends: dict[tuple[str, str], list[Key]] = defaultdict(list)
    for k in people:
        by_ends[(k[0], k[-1])].append(k)
    for same in by_ends.values():
        for k in same[1:]:
            res.join(k, same[0], f"same first and last name as {_show(nodes[same[0]])}")

    ending: dict[Key, list[Key]] = defaultdict(list)  # words -> longer keys ending so
    variants: dict[Key, list[Key]] = defaultdict(list)  # word stems -> keys
    for k in keys:
        for i in range(1, len(k)):
            ending[k[i:]].append(k)
        variants[tuple(w[:4] for w in k)].append(k)
    for short in keys:
        n = nodes[short]
        longer = ending.get(short, [])
        is_person = _is_person(n) or any(nodes[k].label == "PERSON" for k in longer)
        if is_person and n.label in ("PERSON", None):
            gender = res.gender(short)
            targets = {
                res.find(k)
                for k in longer
                if nodes[k].label == "PERSON" and res.gender(k) in (None, gender)
            }
            if len(targets) == 1:
                target = targets.pop()
                res.join(short, target, f"short form of {_show(nodes[target])}")
            continue
        if is_person:
            continue
        # "Red Cross" for "Estravian Red Cross": a name of two words or more that ends the
        # one longer organisation name in the corpus.
        org_targets = {res.find(k) for k in longer if nodes[k].label not in ("PERSON", None)}
        if len(short) >= 2 and len(org_targets) == 1:
            target = org_targets.pop()
            res.join(short, target, f"ends the organisation name {_show(nodes[target])}")
            continue
        for other in variants[tuple(w[:4] for w in short)]:
            if (
                other != short
                and not _is_person(nodes[other])
                and _similar_org(short, other)
                and res.find(other) != res.find(short)
            ):
                res.join(short, other, f"variant of the name {_show(nodes[other])}")

    # A title used as a name ("the Interior Minister said") is the one person holding it
    # who is named in the same article as the quote (in-text evidence), quote by quote.
    holders: dict[Key, set[Key]] = defaultdict(set)  # words a title ends with -> persons
    for key, n in nodes.items():
        if n.label == "PERSON":
            for title in n.roles:
                words = _title_key(title)
                for i in range(len(words)):
                    holders[words[i:]].add(key)
    by_title: dict[str, Key] = {}  # quote id -> the holder's key
    named: tuple[str | None, set[Key]] = (None, set())  # an article and the names it mentions
    for q in quotes:
        if q.speaker is None:
            continue
        key = person_key(q.speaker)[0]
        n = nodes.get(key)
        if n is None or n.label is not None or key in blocked:
            continue
        if not holders.get(key):
            continue
        if named[0] != q.article:  # quotes come in article order: one article's names held
            named = (q.article, _names_in(records.get(q.article, {})))
        found = {k for k in holders.get(key, ()) if k in named[1]}
        if len({res.find(k) for k in found}) == 1:
            target = min(found)  # any holder of the group; the same in every process
            by_title[q.id] = target
            n.forms[q.speaker] -= 1
            nodes[target].titles[q.speaker] = (
                f"title held by {_show(nodes[target])}, named in the same article"
            )

    renamed: list[tuple[Key, str]] = []
    merge_targets: list[tuple[Key, str]] = []  # (merge target, its name), in edit order
    for i, e in enumerate(edits):
        if e.action == "merge" and e.target:
            a, b = person_key(e.name)[0], person_key(e.target)[0]
            if a in nodes and b in nodes and last[a][0] == i:
                res.blocked.discard(a)
                res.union(a, b)
                res.reasons[a] = f"merged by a user into {e.target}"
                # the merged speaker goes by the target's name, whoever is quoted more
                merge_targets.append((b, _show(nodes[b])))
        elif e.action == "rename" and e.target:
            k, other = person_key(e.name)[0], person_key(e.target)[0]
            if k in nodes:
                if other in nodes and res.find(other) != res.find(k):
                    # renaming to another speaker's name makes them one speaker
                    res.union(other, k)
                    res.reasons[other] = f"merged by a user into {e.target}"
                renamed.append((k, e.target))
    chosen = {res.find(k): _Chosen(name, "merge") for k, name in merge_targets}
    for k, to in renamed:  # a rename replaces a merge's name, the name found otherwise
        before = chosen.get(res.find(k))
        if before is None:
            replaces = None
        else:
            replaces = before.name if before.reason == "merge" else before.replaces
        chosen[res.find(k)] = _Chosen(to, "rename", replaces)
    return _assemble(nodes, res, chosen, by_title)


def _names_in(record: Mapping[str, Any]) -> set[Key]:
    """The name keys an article's entity record mentions (its entities and their forms)."""
    names = [n for e in record.get("entities", []) for n in (e["name"], *e.get("forms", []))]
    return {k for k in (person_key(n)[0] for n in names) if k}


@dataclass(frozen=True)
class _Chosen:
    """The name a user chose for a speaker, and why: the target of a merge (the merged
    speaker goes by it) or a rename (``replaces``: the merge's name it replaces; None,
    the name found in the articles)."""

    name: str
    reason: Literal["merge", "rename"]
    replaces: str | None = None


def _show(n: _Node) -> str:
    if n.names:
        return n.names.most_common(1)[0][0]
    if n.forms:
        return n.forms.most_common(1)[0][0]
    return " ".join(n.key)


def _assemble(
    nodes: dict[Key, _Node],
    res: _Resolver,
    chosen: Mapping[Key, _Chosen],
    by_title: dict[str, Key],
) -> Canon:
    groups: dict[Key, list[_Node]] = defaultdict(list)
    for key, n in nodes.items():
        groups[res.find(key)].append(n)
    name_of: dict[Key, str] = {}
    speakers: list[Speaker] = []
    places: set[str] = set()
    evidence: dict[str, list[tuple[str, str]]] = {}
    for root, members in groups.items():
        forms: Counter[str] = Counter()
        for m in members:
            forms.update(m.forms)  # update() keeps only positive counts
        if not forms and not any(m.titles for m in members):
            continue  # an entity that never speaks
        if not forms:
            forms.update(n for m in members for n in m.names)
        user = chosen.get(root)
        best = user.name if user else _best_name(members, forms)
        labels: Counter[str] = Counter()
        kinds: Counter[str] = Counter()
        roles: Counter[str] = Counter()
        for m in members:
            labels.update(m.labels)
            kinds.update(m.kinds)
            roles.update(m.roles)
        kind = _kind(members, labels, kinds)
        if kind != "person" and labels and labels.most_common(1)[0][0] in ("GPE", "LOC"):
            places.add(best)
        role = roles.most_common(1)[0][0] if roles and kind == "person" else None
        aliases = tuple(sorted(set(forms) - {best} | (set(roles) if kind == "person" else set())))
        speakers.append(
            Speaker(id=content_hash(best), name=best, kind=kind, role=role, aliases=aliases)  # type: ignore[arg-type]
        )
        rows: list[tuple[str, str]] = []
        for m in sorted(members, key=lambda m: m.key):
            why = res.reasons.get(m.key, "same name")
            for form in sorted(set(m.forms) | set(m.names)):
                if form != best:
                    rows.append((form, why))
        spoke = {t: why for m in members for t, why in m.titles.items()}
        rows.extend(sorted(spoke.items()))
        if kind == "person":
            rows.extend(
                (r, "title given to this person in an article")
                for r in sorted(roles)
                if r not in spoke
            )
        if user and user.reason == "rename":
            was = user.replaces or _best_name(members, forms)
            why = f"renamed by a user to {best}"
            rows = [(a, w) for a, w in rows if a != was] + [(was, why)]
        evidence[best] = rows
        for m in members:
            name_of[m.key] = best
    return Canon(
        sorted(speakers, key=lambda s: s.name), frozenset(places), evidence, name_of, by_title
    )


def _best_name(members: Sequence[_Node], forms: Counter[str]) -> str:
    """The canonical name: a name (never a title) the articles use, the fullest and most
    used; a title only when the speaker is never named."""
    named = Counter(
        {f: c for m in members if m.label is not None for f, c in (m.forms + m.names).items()}
    )
    pool = named or forms
    # A full name (two words or more), the most used one: "Bernie Sanders", not a once-seen
    # "Vermonter Bernie Sanders".
    return max(pool, key=lambda f: (len(person_key(f)[0]) >= 2, pool[f], len(f), f))


def _kind(members: Sequence[_Node], labels: Counter[str], kinds: Counter[str]) -> str:
    """A person when any member is a person's full name or carries a courtesy title;
    otherwise by the summed name evidence. Titles carry no label, so never decide."""
    if any((len(m.key) >= 2 and m.label == "PERSON") or m.genders for m in members):
        return "person"
    if kinds.get("anonymous"):
        return "anonymous"
    if labels:
        top = labels.most_common(1)[0][0]
        return "person" if top == "PERSON" else "org"
    named = [k for k, _ in kinds.most_common() if k not in ("pronoun",)]
    return named[0] if named else "unknown"
