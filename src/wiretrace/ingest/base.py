"""What every reader shares: the read context, size checks, record metadata."""

from __future__ import annotations

import bz2
import gzip
import os
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, cast

from ..isodate import calendar_date
from ..models import IngestError, RawDocument
from .config import IngestConfig

if TYPE_CHECKING:
    from .http import Fetcher


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input already in the store and not fetched again (counts as a duplicate)."""

    source: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A problem with an input that was read anyway (malformed feed XML parsed leniently):
    reported as a warning, never a failure."""

    source: str
    message: str


Item = RawDocument | IngestError | Skipped | Notice
Reader = Iterator[Item]


@dataclass
class ReadContext:
    """Per-run state handed to readers: configuration, the lazily opened HTTP client,
    and a predicate telling whether a source is already stored."""

    cfg: IngestConfig
    known: Callable[[str], bool] = lambda _source: False
    _make_fetcher: Callable[[], Fetcher] | None = None
    _fetcher: Fetcher | None = field(default=None, repr=False)

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            if self._make_fetcher is None:
                from .http import Fetcher

                self._fetcher = Fetcher(self.cfg)
            else:
                self._fetcher = self._make_fetcher()
        return self._fetcher

    def close(self) -> None:
        if self._fetcher is not None:
            self._fetcher.close()
            self._fetcher = None


def human_size(n: int) -> str:
    """A size in the binary units the limits are set in (10 MiB shows as "10 MiB")."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale and (n >= 100 * 1024 or unit != "KiB"):
            value = n / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n:,} bytes"


def too_big(size: int, limit: int, what: str, setting: str) -> str:
    return (
        f"{what} is {human_size(size)} ({size:,} bytes), over the {human_size(limit)} limit; "
        f"raise [ingest] {setting} to accept it"
    )


# Compressed inputs are known by their first bytes, whatever the file is called.
COMPRESSED: dict[bytes, str] = {b"\x1f\x8b": "gzip", b"BZh": "bzip2"}
COMPRESSED_SUFFIXES = (".gz", ".gzip", ".bz2")


def compression(path: Path) -> str | None:
    """ "gzip" or "bzip2" when the file starts with that format's magic bytes."""
    with open(path, "rb") as fh:
        head = fh.read(3)
    return next((name for magic, name in COMPRESSED.items() if head.startswith(magic)), None)


# What reading a truncated or corrupt compressed stream raises, wherever the read happens.
STREAM_ERRORS: tuple[type[BaseException], ...] = (EOFError, OSError, zlib.error)


def open_input(path: Path) -> BinaryIO:
    """The file for reading, decompressed on the fly when it is gzip or bzip2."""
    kind = compression(path)
    if kind == "gzip":
        return cast(BinaryIO, gzip.open(path, "rb"))
    if kind == "bzip2":
        return cast(BinaryIO, bz2.open(path, "rb"))
    return open(path, "rb")


def read_file_bytes(path: Path, limit: int, setting: str = "max_document_bytes") -> bytes:
    """The whole file (decompressed), refusing as soon as it is over ``limit``: before
    reading for a plain file, after ``limit`` decompressed bytes for a compressed one."""
    size = os.stat(path).st_size
    if size == 0:
        raise ValueError("empty file (0 bytes)")
    if compression(path) is None:
        if size > limit:
            raise ValueError(too_big(size, limit, "file", setting))
        return path.read_bytes()
    try:
        with open_input(path) as fh:
            data = fh.read(limit + 1)
    except STREAM_ERRORS as exc:
        raise ValueError(f"cannot decompress: {exc}") from exc
    if len(data) > limit:
        raise ValueError(
            f"decompressed file is over the {human_size(limit)} limit; "
            f"raise [ingest] {setting} to accept it"
        )
    if not data:
        raise ValueError("empty file (0 bytes once decompressed)")
    return data


def until_unreadable(source: str, items: Iterator[Item]) -> Iterator[Item]:
    """A reader's items; a stream that turns out corrupt or truncated part-way (a file
    with gzip's magic bytes that is no gzip) ends them with one error naming the file,
    keeping the records read before it."""
    try:
        yield from items
    except STREAM_ERRORS as exc:
        yield IngestError(source, f"cannot read: {exc}")


def os_message(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_input(path: Path, limit: int, setting: str = "max_document_bytes") -> bytes | IngestError:
    """The file's bytes, or the error naming it: unreadable, empty or over ``limit``."""
    try:
        return read_file_bytes(path, limit, setting)
    except OSError as exc:
        return IngestError(str(path), f"cannot read: {os_message(exc)}")
    except ValueError as exc:
        return IngestError(str(path), str(exc))


# -- record metadata ------------------------------------------------------------------


def first_field(record: Mapping[str, object], names: tuple[str, ...]) -> str | None:
    """The first non-empty of ``names`` in a record, as text (lists are joined)."""
    for name in names:
        value = record.get(name)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            value = ", ".join(str(v).strip() for v in value if str(v).strip())
        text = str(value).strip()
        if text:
            return text
    return None


def iso_date(value: str | None) -> str | None:
    """An ISO date (YYYY-MM-DD) for whatever date string a source gave; None if unreadable.

    The calendar date is the one in the source's own time zone, as its readers saw it.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    day = calendar_date(value)
    if day is not None:
        return day.isoformat()
    try:  # RFC 822, as in RSS and HTTP: the date where it was written, not in UTC
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    import dateparser

    parsed = dateparser.parse(value, settings={"RETURN_AS_TIMEZONE_AWARE": False})
    return parsed.date().isoformat() if parsed else None


def struct_date(value: object) -> str | None:
    """ISO date from the ``time.struct_time`` feedparser gives."""
    if value is None:
        return None
    try:
        stamp = datetime(*value[:6], tzinfo=UTC)  # type: ignore[index, misc]
    except (TypeError, ValueError):
        return None
    return stamp.date().isoformat()


_SITE_SEPARATORS = (" | ", " – ", " — ", " · ", " :: ")


def site_name(title: str | None) -> str | None:
    """The outlet's own name from a channel or site title ("Wirelink | Estravia" -> "Wirelink").

    Site titles append a tagline, section or region after a separator; the name comes first.
    """
    if not title:
        return None
    name = title.strip()
    for sep in _SITE_SEPARATORS:
        head = name.split(sep, 1)[0].strip()
        if head:
            name = head
    return name or None
