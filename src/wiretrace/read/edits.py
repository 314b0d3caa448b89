"""The user's corrections: speakers merged, split or renamed; stories merged, split or moved.

``speaker_edits`` and ``story_edits`` are the user's tables, not a stage's
(``pipeline.USER_PROVIDES``). This module is their one writer, on the user's behalf: the
CLI (``wiretrace speakers …``, ``wiretrace stories …``) and the web UI call the same
functions below. The stages that apply the corrections (``statements``, ``stories``) read
them here and declare them in ``requires``; no stage writes them, so every re-analysis
applies them again.

A story correction is applied at once (it moves stored articles between stored stories).
A speaker correction is only recorded: resolving the speakers again is the ``statements``
stage's corpus-wide work (quotes of every article, the sentence model), which belongs in
``wiretrace analyze``, not in a web request. Which corrections the stage applied is part of
its key (``Stage.user_inputs``), so a new one is pending work for the next ``analyze``, and
:func:`waiting_speaker_edits` lists those not applied yet.

Each function checks its input against the store first and raises :class:`EditRefused`
(or :class:`~.base.Unresolved`, with the closest ids) with a message for the user, so a
typo never records a correction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..models import SpeakerEdit, StoryEdit
from .base import NotFound, resolve

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

SPEAKER_ACTIONS = ("merge", "split", "rename")
USER_TABLES = {"speaker_edits": "id", "story_edits": "seq"}  # each table's growing id
STORY_ACTIONS = ("merge", "split", "move")


class EditRefused(ValueError):
    """A correction that cannot apply as asked (the message says why)."""


# -- reading (the stages that apply them, and the views) -----------------------------------


def speaker_edits(conn: sqlite3.Connection) -> list[SpeakerEdit]:
    """The user's speaker corrections, oldest first (applied in that order)."""
    return [
        SpeakerEdit(r[1], r[2], r[3], r[0], r[4])
        for r in conn.execute("SELECT id, action, name, target, at FROM speaker_edits ORDER BY id")
    ]


def story_edits(conn: sqlite3.Connection) -> list[StoryEdit]:
    """The user's story corrections, oldest first (the latest edit of an article wins)."""
    return [
        StoryEdit(r[1], r[2], r[3], r[0], r[4])
        for r in conn.execute(
            "SELECT seq, action, article, target, made_at FROM story_edits ORDER BY seq"
        )
    ]


# -- speakers ----------------------------------------------------------------------------


def edit_speaker(store: Store, action: str, name: str, target: str | None = None) -> SpeakerEdit:
    """Record a speaker correction; the next ``wiretrace analyze`` applies it (the
    ``statements`` stage resolves the speakers again, applying every correction in order).

    ``name`` and ``target`` are names as the user knows them (a canonical name or any name
    joined to a speaker); ``merge`` and ``rename`` need a target, ``split`` takes none.
    """
    if action not in SPEAKER_ACTIONS:
        raise EditRefused(f"unknown speaker edit {action!r}: {', '.join(SPEAKER_ACTIONS)}")
    name, target = name.strip(), (target or "").strip() or None
    if not name:
        raise EditRefused("a speaker edit needs a name")
    if action == "split":
        target = None
    elif target is None:
        raise EditRefused(f"{action} needs a target name")
    elif target == name:
        raise EditRefused(f"{action}: {name!r} and the target are the same")
    if not _names_speaker(store.conn, name):
        raise NotFound(f"no speaker goes by {name!r}; see `wiretrace speakers list`")
    if action == "merge" and target is not None and not _names_speaker(store.conn, target):
        raise NotFound(f"no speaker goes by {target!r}; see `wiretrace speakers list`")
    with store.transaction() as conn:
        seq = conn.execute(
            "INSERT INTO speaker_edits (action, name, target, at)"
            " VALUES (?, ?, ?, datetime('now'))",
            (action, name, target),
        ).lastrowid
    return SpeakerEdit(action, name, target, int(seq or 0))


# The stage that applies the speaker corrections, and how its key says which it applied.
_SPEAKER_STAGE = "statements"


def fingerprint(conn: sqlite3.Connection, table: str) -> str:
    """Which of the user's corrections in ``table`` are stored: their count and the latest
    id ('' when none). Corrections are only ever added, with ids that never come back, so
    this names the set; a stage's key carries it (``pipeline.Stage.user_inputs``)."""
    if table not in USER_TABLES:
        raise ValueError(f"{table!r} holds no user's corrections")
    sql = f"SELECT count(*), max({USER_TABLES[table]}) FROM {table}"
    count, last = conn.execute(sql).fetchone()
    return f"{count}.{last}" if count else ""


def waiting_speaker_edits(conn: sqlite3.Connection) -> list[SpeakerEdit]:
    """The speaker corrections the speakers shown do not include yet: recorded after the
    ``statements`` stage last ran; the next ``wiretrace analyze`` applies them."""
    row = conn.execute(
        "SELECT key FROM stage_state WHERE stage = ? LIMIT 1", (_SPEAKER_STAGE,)
    ).fetchone()  # one run marks every article with the same key
    edits = speaker_edits(conn)
    if row is None:
        return edits
    _, _, applied = str(row[0]).partition("+speaker_edits@")
    last = int(applied.split("+")[0].split(".")[1]) if applied else 0
    return [e for e in edits if e.seq > last]


def _names_speaker(conn: sqlite3.Connection, name: str) -> bool:
    """Whether ``name`` is a speaker's canonical name or a name joined to one."""
    return (
        conn.execute(
            "SELECT 1 FROM speakers WHERE name = ? UNION ALL"
            " SELECT 1 FROM speaker_aliases WHERE alias = ? LIMIT 1",
            (name, name),
        ).fetchone()
        is not None
    )


# -- stories -----------------------------------------------------------------------------


def merge_stories(store: Store, config: Config, story: str, into: str) -> str:
    """Merge ``story`` into ``into`` (ids or printed prefixes); the merged story's id."""
    source, target = _story(store.conn, story), _story(store.conn, into)
    if source == target:
        raise EditRefused(f"{story!r} and {into!r} are the same story")
    anchor = _members(store.conn, target)[0]
    return _apply(
        store,
        config,
        [StoryEdit("merge", a, anchor) for a in _members(store.conn, source)],
    )


def move_article(store: Store, config: Config, article: str, into: str) -> str:
    """Move one article (an id or a printed prefix) to story ``into``; that story's id."""
    article_id = resolve(store.conn, "article", article)
    target = _story(store.conn, into)
    if _story_of(store.conn, article_id) is None:
        raise EditRefused(f"article {article_id} is in no story (has `analyze` run?)")
    if _story_of(store.conn, article_id) == target:
        raise EditRefused(f"article {article_id} is already in {target}")
    return _apply(store, config, [StoryEdit("move", article_id, _members(store.conn, target)[0])])


def split_story(store: Store, config: Config, story: str, articles: Sequence[str]) -> str:
    """Take ``articles`` (ids or prefixes) out of ``story`` into a new story of their own;
    the new story's id."""
    story_id = _story(store.conn, story)
    members = set(_members(store.conn, story_id))
    chosen = sorted({resolve(store.conn, "article", a) for a in articles})
    if not chosen:
        raise EditRefused("a split needs at least one article of the story")
    stray = [a for a in chosen if a not in members]
    if stray:
        raise EditRefused(f"not in {story_id}: {', '.join(stray)}")
    if len(chosen) == len(members):
        raise EditRefused(f"every article of {story_id} chosen: nothing would be left to split")
    return _apply(store, config, [StoryEdit("split", a, chosen[0]) for a in chosen])


def _apply(store: Store, config: Config, edits: Sequence[StoryEdit]) -> str:
    """Record the corrections and apply them now, in one transaction; the story the first
    edited article ends up in."""
    from ..stories.stage import apply_now

    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO story_edits (action, article, target, made_at)"
            " VALUES (?, ?, ?, datetime('now'))",
            [(e.action, e.article, e.target) for e in edits],
        )
        apply_now(store, config)
    return _story_of(store.conn, edits[0].article) or ""


def _story(conn: sqlite3.Connection, value: str) -> str:
    story_id = resolve(conn, "story", value)
    if not _members(conn, story_id):
        raise EditRefused(f"story {story_id} has no articles")
    return story_id


def _members(conn: sqlite3.Connection, story_id: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM story_articles WHERE story_id = ? ORDER BY article_id",
            (story_id,),
        )
    ]


def _story_of(conn: sqlite3.Connection, article_id: str) -> str | None:
    row = conn.execute(
        "SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,)
    ).fetchone()
    return None if row is None else str(row[0])
