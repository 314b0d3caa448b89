"""ZIP archives of article files: each member is read as the file it would be on disk.

A member is read by the reader its name gives, as in a directory walk: members that are not
articles (a README, a gold table, ``__MACOSX`` debris) are skipped with one note. Documents
and errors from a member are named ``archive.zip!path/in/archive`` (a JSON Lines member's
records ``archive.zip!feed.jsonl#3``). A bad member (corrupt, encrypted, over the size limit,
an archive inside the archive) is an error naming it; the other members are ingested.

Each member is copied to a private temporary file, never to a path taken from the archive,
and the copy stops at the size limit, so a member that inflates without end (a "zip bomb")
costs no more than the limit.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import IO

from ..models import IngestError, RawDocument
from .base import Item, Notice, ReadContext, Skipped, human_size

ZIP_MAGIC = b"PK\x03\x04"
SEPARATOR = "!"  # between the archive and a member in a document's source
_UNSAFE = re.compile(r"[^\w.\-]+")
# Members read whole (one document each) are held to max_document_bytes; record files,
# feeds and web archives, which hold many documents, to max_feed_bytes.
_WHOLE = frozenset({"text", "html"})

Kind = Callable[[str], str | None]
Read = Callable[[str, Path, ReadContext], Iterator[Item]]


def read_zip(path: Path, ctx: ReadContext, kind_of: Kind, read: Read) -> Iterator[Item]:
    """The documents, errors and notes of every member of the ZIP archive at ``path``.

    ``kind_of`` gives a member's reader kind from its name (None: not an article);
    ``read(kind, file, ctx)`` reads one extracted member as a file of that kind.
    """
    archive = str(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        yield IngestError(archive, f"not a readable ZIP archive ({exc})")
        return
    skipped: list[str] = []
    with zf, tempfile.TemporaryDirectory(prefix="wiretrace-zip-") as tmp:
        members = sorted((m for m in zf.infolist() if not m.is_dir()), key=lambda m: m.filename)
        if not members:
            yield IngestError(archive, "an empty ZIP archive (no files in it)")
        for i, member in enumerate(members):
            name = member.filename
            where = f"{archive}{SEPARATOR}{name}"
            parts = PurePosixPath(name).parts
            if any(p.startswith(".") or p == "__MACOSX" for p in parts):
                continue  # hidden files and macOS resource forks: never articles, not named
            kind = kind_of(PurePosixPath(name).name)
            if kind is None:
                skipped.append(name)
                continue
            if kind == "zip":
                yield IngestError(where, "a ZIP archive inside a ZIP archive is not opened")
                continue
            if member.flag_bits & 0x1:
                yield IngestError(where, "encrypted member; not read (decrypt the archive first)")
                continue
            limit, setting = (
                (ctx.cfg.max_document_bytes, "max_document_bytes")
                if kind in _WHOLE
                else (ctx.cfg.max_feed_bytes, "max_feed_bytes")
            )
            copy = Path(tmp) / f"{i}-{_UNSAFE.sub('_', PurePosixPath(name).name)[-120:]}"
            problem = _extract(zf, member, copy, limit, setting)
            if problem is not None:
                yield IngestError(where, problem)
                continue
            try:
                for item in read(kind, copy, ctx):
                    yield _renamed(item, str(copy), where)
            finally:
                copy.unlink(missing_ok=True)
    if skipped:
        from .sources import skipped_note

        yield skipped_note(archive, skipped)


def _extract(
    zf: zipfile.ZipFile, member: zipfile.ZipInfo, to: Path, limit: int, setting: str
) -> str | None:
    """Copy one member to ``to``, stopping past ``limit`` bytes; the problem, or None."""
    if member.file_size > limit:
        return (
            f"{human_size(member.file_size)} once unpacked, over the {human_size(limit)}"
            f" limit; raise [ingest] {setting} to accept it"
        )
    try:
        with zf.open(member) as src, open(to, "wb") as dst:
            shutil.copyfileobj(_Capped(src, limit), dst)
    except _TooBig:
        return (
            f"unpacks to more than the {human_size(limit)} limit (its header said"
            f" {human_size(member.file_size)}); raise [ingest] {setting} to accept it"
        )
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        return f"cannot unpack this member: {exc}"
    return None


class _TooBig(Exception):
    pass


class _Capped:
    """A reader that raises once more than ``limit`` bytes have come through."""

    def __init__(self, src: IO[bytes], limit: int) -> None:
        self.src = src
        self.left = limit

    def read(self, n: int = -1) -> bytes:
        data = self.src.read(n if n >= 0 else self.left + 1)
        self.left -= len(data)
        if self.left < 0:
            raise _TooBig
        return data


def _renamed(item: Item, copy: str, where: str) -> Item:
    """The item with the temporary copy's path in its source replaced by the member's name."""
    if isinstance(item, RawDocument | IngestError | Notice | Skipped) and item.source.startswith(
        copy
    ):
        return replace(item, source=where + item.source[len(copy) :])
    return item
