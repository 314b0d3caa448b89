"""Filters and facets for every list: outlet, date range, story, speaker, kind.

A :class:`Filter` is what a researcher narrows a list by; it reaches SQL as one condition on
the ``articles`` row of each listed item (outlet, dates, story, speaker quoted) plus, for
lists that have one, a condition on the item's own kind. Facets count the items per value of
each field under the *other* fields, so a reader sees where the list would go next; every
facet query is grouped and capped, never a scan into Python.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .base import NotFound, Scope, fetch, has_table, in_scope, is_token, resolve
from .rows import FacetValue

FIELDS = ("outlet", "since", "until", "story", "speaker", "kind")
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
FACET_CAP = 25


@dataclass(frozen=True)
class Filter:
    """What a list is narrowed to; every field optional, all of them ANDed."""

    outlet: str | None = None  # "" selects articles without an outlet
    since: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD, inclusive
    until: str | None = None  # inclusive: "2023-09" keeps the whole of September
    story: str | None = None
    speaker: str | None = None  # speaker id (a name or alias resolves to it: ``resolved``)
    kind: str | None = None  # per list: quote kind, link kind, figure relation, narrative…

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> Filter:
        """From URL query parameters; a malformed value is a NotFound (a 404 naming it)."""
        values: dict[str, str | None] = {}
        for name in FIELDS:
            value = params.get(name)
            if value is None or (value == "" and name != "outlet"):
                continue
            value = value.strip() if name != "outlet" else value
            if len(value) > 200:
                raise NotFound(f"{name} is too long")
            if name in ("since", "until") and not _DATE.fullmatch(value):
                raise NotFound(f"{name} must be a date like 2023-09-19, not {value[:20]!r}")
            if name in ("story", "kind") and not is_token(value):
                raise NotFound(f"no such {name}: {value[:40]!r}")
            if name == "speaker" and not value.isprintable():  # a name, or an id
                raise NotFound(f"no such speaker: {value[:40]!r}")
            values[name] = value
        return cls(**values)

    def resolved(self, conn: sqlite3.Connection) -> Filter:
        """The filter with its speaker as an id: a speaker's id, printed id prefix, name or
        any name joined to it (``?speaker=Peskov``) names the one speaker; Unresolved (a
        NotFound) with the closest speakers otherwise. Lists then join on the id."""
        if self.speaker is None:
            return self
        return replace(self, speaker=resolve(conn, "speaker", self.speaker))

    def params(self, **changes: str | None) -> dict[str, str]:
        """The filter as URL parameters (``None`` drops a field), for links that keep it."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out.update(changes)
        return {k: v for k, v in out.items() if v is not None}

    def without(self, *names: str) -> Filter:
        return replace(self, **dict.fromkeys(names))

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in FIELDS)

    def scope(self) -> Filter | None:
        """The filter as a read-layer scope: None when no article-level field is set."""
        return None if self.without("kind").is_empty() else self

    def article_condition(self, alias: str = "a") -> tuple[str, tuple[Any, ...]]:
        """SQL condition on the ``articles`` row ``alias`` (kind is left to each list)."""
        conds: list[str] = []
        params: list[Any] = []
        if self.outlet is not None:
            conds.append(f"COALESCE({alias}.outlet, '') = ?")
            params.append(self.outlet)
        if self.since is not None:
            conds.append(f"{alias}.published >= ?")
            params.append(self.since)
        if self.until is not None:
            # the prefix compares whole days, months or years: "2023-09" keeps 2023-09-30T…
            conds.append(f"substr({alias}.published, 1, ?) <= ?")
            params += [len(self.until), self.until]
        if self.story is not None:
            conds.append(
                f"{alias}.id IN (SELECT article_id FROM story_articles WHERE story_id = ?)"
            )
            params.append(self.story)
        if self.speaker is not None:
            conds.append(f"{alias}.id IN (SELECT q.article FROM quotes q WHERE q.speaker_id = ?)")
            params.append(self.speaker)
        return (" AND ".join(conds) or "1"), tuple(params)


@dataclass(frozen=True)
class ListSpec:
    """How one list's items meet the filter: their table, article column, kind and count."""

    source: str  # FROM clause; its items are ``x``
    article: str  # the column naming each item's article
    count: str = "COUNT(*)"
    kind: str | None = None  # SQL expression of the item's kind
    kind_label: str = "kind"
    speaker: str | None = None  # the item's own speaker id, when it has one
    table: str = ""  # a table that must exist (older stores lack some)


LISTS: dict[str, ListSpec] = {
    "articles": ListSpec("articles x", "x.id"),
    "stories": ListSpec(
        "story_articles x", "x.article_id", count="COUNT(DISTINCT x.story_id)", table="stories"
    ),
    # speakers join on their id (the primary key): a join on the name scans the speakers
    # table once per quote
    "quotes": ListSpec("quotes x", "x.article", kind="x.kind", speaker="x.speaker_id"),
    "speakers": ListSpec(
        "quotes x JOIN speakers sp ON sp.id = x.speaker_id",
        "x.article",
        count="COUNT(DISTINCT x.speaker_id)",
        kind="sp.kind",
        speaker="x.speaker_id",
    ),
    "figures": ListSpec(
        "figures x LEFT JOIN figure_group_members fm ON fm.figure_id = x.id"
        " LEFT JOIN figure_groups fg ON fg.id = fm.group_id",
        "x.article",
        kind="COALESCE(fg.relation, 'ungrouped')",
        kind_label="relation",
    ),
    "reuse": ListSpec("reuse_links x", "x.derived", kind="x.kind"),
    "hits": ListSpec(
        "narrative_hits x", "x.article", kind="x.narrative_id", kind_label="narrative"
    ),
}


def where(spec: ListSpec, filt: Filter, article: bool = True) -> tuple[str, tuple[Any, ...]]:
    """``FROM … WHERE …`` (with the article joined as ``a``) for the filtered items.

    ``article=False`` leaves the join out when no article field is filtered on: counts by
    kind or speaker then read the items' own table alone.
    """
    params: tuple[Any, ...]
    if not article and filt.scope() is None:
        if filt.kind is not None and spec.kind is not None:
            return f"FROM {spec.source} WHERE {spec.kind} = ?", (filt.kind,)
        return f"FROM {spec.source} WHERE 1", ()
    cond, params = filt.article_condition("a")
    conds = [cond]
    if filt.kind is not None and spec.kind is not None:
        conds.append(f"{spec.kind} = ?")
        params = (*params, filt.kind)
    if filt.speaker is not None and spec.speaker is not None:
        conds.append(f"{spec.speaker} = ?")
        params = (*params, filt.speaker)
    source = f"{spec.source} JOIN articles a ON a.id = {spec.article}"
    return f"FROM {source} WHERE {' AND '.join(conds)}", params


def facets(conn: sqlite3.Connection, name: str, filt: Filter) -> dict[str, object]:
    """Counts per value of each filter field under the other fields, largest first."""
    spec = LISTS[name]
    if spec.table and not has_table(conn, spec.table):
        return {"total": 0, "outlet": [], "month": [], "story": [], "speaker": [], "kind": []}

    def grouped(
        omit: tuple[str, ...],
        key: str,
        extra: str = "",
        label: str | None = None,
        order: str = "",
        article: bool = True,
    ) -> list[FacetValue]:
        sql, params = where(spec, filt.without(*omit), article)
        if extra:
            sql = sql.replace(" WHERE ", f" {extra} WHERE ", 1)
        rows = fetch(
            conn,
            f"SELECT {key} AS value, {label or 'NULL'} AS label, {spec.count} AS n {sql}"
            f" GROUP BY value ORDER BY {order or 'n DESC, value'} LIMIT ?",
            (*params, FACET_CAP if not order else 240),
        )
        return [FacetValue(r["value"], r["label"], r["n"]) for r in rows if r["value"] is not None]

    sql, params = where(spec, filt, article=False)
    total = int(conn.execute(f"SELECT {spec.count} {sql}", params).fetchone()[0])
    out: dict[str, object] = {
        "total": total,
        "outlet": grouped(("outlet",), "COALESCE(a.outlet, '')"),
        "month": grouped(("since", "until"), "substr(a.published, 1, 7)", order="value"),
        "story": [],
        "speaker": [],
        "kind": grouped(("kind",), spec.kind, article=False) if spec.kind else [],
        "kind_label": spec.kind_label,
    }
    if name != "stories" and has_table(conn, "stories"):
        out["story"] = grouped(
            ("story",),
            "sx.story_id",
            "JOIN story_articles sx ON sx.article_id = a.id JOIN stories st ON st.id = sx.story_id",
            "st.title",
        )
    if spec.speaker is not None:
        out["speaker"] = grouped(
            ("speaker",),
            "sp2.id",
            f"JOIN speakers sp2 ON sp2.id = {spec.speaker}",
            "sp2.name",
            article=False,
        )
    return out


def labels(conn: sqlite3.Connection, filt: Filter) -> dict[str, str]:
    """Readable names of the chosen story and speaker, for the filter bar."""
    out: dict[str, str] = {}
    if filt.story is not None and has_table(conn, "stories"):
        row = conn.execute("SELECT title FROM stories WHERE id = ?", (filt.story,)).fetchone()
        out["story"] = row[0] if row else filt.story
    if filt.speaker is not None:
        row = conn.execute("SELECT name FROM speakers WHERE id = ?", (filt.speaker,)).fetchone()
        out["speaker"] = row[0] if row else filt.speaker
    return out


@dataclass(frozen=True)
class PublishedWithin:
    """A scope narrowed to the articles published in ``[since, until]`` (the timeline's
    charts: its events are windowed by the dates the text names instead)."""

    scope: Scope
    since: str | None
    until: str | None

    def article_condition(self, alias: str = "a") -> tuple[str, tuple[Any, ...]]:
        window, params = Filter(since=self.since, until=self.until).article_condition(alias)
        inner, more = in_scope(f"{alias}.id", self.scope)
        return f"{window} AND {inner}", (*params, *more)
