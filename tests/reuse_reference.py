"""The whole-corpus reuse functions, every link held in memory at once: the in-memory
reference the stage's block-at-a-time passes (``reuse.directions``) must equal, built from
the same decisions (``dated_or_covered``, ``by_drawn``, ``by_text``, ``sibling``, ``covers``,
``member_rank``, ``share``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from wiretrace.isodate import calendar_date
from wiretrace.models import ReuseLink, Span
from wiretrace.reuse.align import Passage, pieces
from wiretrace.reuse.config import ReuseConfig
from wiretrace.reuse.provenance import (
    ArticleMeta,
    MemberRank,
    by_drawn,
    by_text,
    counts_as_copy,
    covers,
    dated_or_covered,
    distinct_partners,
    member_rank,
    share,
    sibling,
)
from wiretrace.unionfind import ArrayUnionFind


def drawn_regions(pairs: Mapping[tuple[str, str], Sequence[Passage]]) -> dict[str, int]:
    """Per article: how many partners supply a region of it that no other partner covers."""
    regions: dict[str, dict[str, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for (a, b), passages in pairs.items():
        for p in passages:
            regions[a][b].append((p.a_start, p.a_end))
            regions[b][a].append((p.b_start, p.b_end))
    return {art: distinct_partners(by_partner) for art, by_partner in regions.items()}


def a_is_source(
    a: ArticleMeta, b: ArticleMeta, passages: Sequence[Passage], drawn: Mapping[str, int]
) -> bool:
    """Whether ``a`` is the side ``b`` took the ``passages`` (aligned pieces) from."""
    early = dated_or_covered(a, b, passages)
    if early is not None:
        return early
    late = by_drawn(drawn.get(a.id, 0), drawn.get(b.id, 0))
    return by_text(a, b, passages) if late is None else late


def orient(
    pairs: Mapping[tuple[str, str], Sequence[Passage]],
    meta: Mapping[str, ArticleMeta],
    cfg: ReuseConfig,
) -> list[ReuseLink]:
    """Directed links, one per passage, ``source`` being the side the other took from.

    The direction is decided on the aligned pieces of joined passages (see ``pieces``), so
    joining the pieces of a passage never turns a pair around."""
    split = {
        (a, b): [x for p in passages for x in pieces(p, meta[a].text, meta[b].text, cfg)]
        for (a, b), passages in pairs.items()
    }
    drawn = drawn_regions(split)
    links: list[ReuseLink] = []
    for (a, b), passages in sorted(pairs.items()):
        forward = a_is_source(meta[a], meta[b], split[(a, b)], drawn)
        for p in passages:
            if forward:
                links.append(
                    ReuseLink(
                        a, b, Span(p.a_start, p.a_end), Span(p.b_start, p.b_end), p.kind, p.score
                    )
                )
            else:
                links.append(
                    ReuseLink(
                        b, a, Span(p.b_start, p.b_end), Span(p.a_start, p.a_end), p.kind, p.score
                    )
                )
    return _drop_siblings(links)


def _drop_siblings(links: list[ReuseLink]) -> list[ReuseLink]:
    """Drop a link between two articles that both took the same passage from a third."""
    incoming: dict[str, dict[str, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for link in links:
        incoming[link.derived][link.source].append(link.derived_span)
    return [link for link in links if not sibling(link, incoming)]


def duplicate_groups(
    links: Sequence[ReuseLink], meta: Mapping[str, ArticleMeta], coverage: float
) -> list[tuple[str, list[str]]]:
    """Near-duplicate articles (text reused over ``coverage`` of both): (original, members)."""
    cover: dict[tuple[str, str], tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for link in links:
        if not counts_as_copy(link.kind):
            continue
        key = (link.source, link.derived)
        src, der = cover.setdefault(key, ([], []))
        src.append((link.source_span.start, link.source_span.end))
        der.append((link.derived_span.start, link.derived_span.end))
    position = {x: i for i, x in enumerate(dict.fromkeys(x for pair in cover for x in pair))}
    sets = ArrayUnionFind(len(position))
    for (s, d), (src, der) in cover.items():
        if covers(src, der, len(meta[s].text.strip()), len(meta[d].text.strip()), coverage):
            sets.union(position[s], position[d])
    groups: dict[int, list[str]] = defaultdict(list)
    for x in {x for pair in cover for x in pair}:
        groups[sets.find(position[x])].append(x)
    out = []
    for members in groups.values():
        if len(members) < 2:
            continue

        def rank(x: str, group: frozenset[str] = frozenset(members)) -> MemberRank:
            taken = sum(1 for s, d in cover if d == x and s in group)
            m = meta[x]
            return member_rank(calendar_date(m.published), taken, len(m.text), m.order)

        members.sort(key=rank)
        out.append((members[0], members))
    return out


def provenance(
    links: Sequence[ReuseLink], meta: Mapping[str, ArticleMeta]
) -> list[tuple[str, str, float]]:
    """(article, source, share of the article's text taken from that source).

    Shared quotes are not taken from the other article but from the speaker both quote.
    """
    spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    for link in links:
        if link.kind == "quote":
            continue
        spans[(link.derived, link.source)].append((link.derived_span.start, link.derived_span.end))
    return [
        (derived, source, share(ss, len(meta[derived].text)))
        for (derived, source), ss in sorted(spans.items())
    ]
