"""Turning command-line inputs into sources, and each source into documents.

Directory walks and globs read the formats below by extension and skip what is not an
article: hidden files, ``*.json`` (gold files, metadata), README/LICENSE-style notes and
unknown extensions (``[ingest] exclude``). A file named explicitly is always read; when
its extension says nothing, its content decides (WARC, feed, HTML or text).

    .txt .text .md .markdown        plain text
    .html .htm .xhtml               HTML page
    .xml .rss .atom                 feed, or HTML when the content says so
    .jsonl .ndjson / .csv .tsv      one document per record
    .parquet                        one document per row (fields as in JSON Lines)
    .warc .warc.gz                  HTML responses of a web archive
    .zip                            a ZIP archive of any of the above (see ``archives``)

Any of them but Parquet may be gzip- or bzip2-compressed (``page.html.gz``, ``feed.jsonl.bz2``): the
first bytes say so, and the name without ``.gz``/``.bz2`` gives the format. In a walk,
files that are not articles (other extensions, excluded names, a CSV/TSV table without a
text column such as a gold file) are skipped with one note naming them; a file named
explicitly is always read, and a bad article file is still an error.
"""

from __future__ import annotations

import errno
import fnmatch
import glob
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

from ..models import IngestError
from .archives import ZIP_MAGIC, read_zip
from .base import (
    COMPRESSED_SUFFIXES,
    STREAM_ERRORS,
    Item,
    Notice,
    ReadContext,
    open_input,
    os_message,
    read_input,
)
from .config import IngestConfig
from .decode import sniff_markup
from .feeds import feed_items, read_feed_file
from .http import is_url
from .pages import decode_html, html_items, read_html_file
from .records import read_csv, read_jsonl, read_parquet
from .text import read_text_file, text_document
from .warc import read_warc

SUFFIX_KINDS: dict[str, str] = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "markup",
    ".rss": "markup",
    ".atom": "markup",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".warc": "warc",
    ".zip": "zip",
    ".json": "json",
}


@dataclass(frozen=True, slots=True)
class Source:
    kind: str  # a SUFFIX_KINDS value, "url" or "sniff"
    location: str
    walked: bool = False  # met in a directory walk or glob, not named on the command line


def kind_for_name(name: str) -> str | None:
    low = name.lower()
    if low.endswith((".warc.gz", ".warc.gzip")):
        return "warc"
    if low.endswith(COMPRESSED_SUFFIXES):
        low = os.path.splitext(low)[0]
    return SUFFIX_KINDS.get(os.path.splitext(low)[1])


def excluded(name: str, cfg: IngestConfig) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in cfg.exclude)


def _walk_kind(path: Path, cfg: IngestConfig) -> str | None:
    """The kind of a file met in a walk or glob, or None to skip it."""
    if excluded(path.name, cfg):
        return None
    kind = kind_for_name(path.name)
    return None if kind == "json" else kind


def skipped_note(where: str, names: list[str]) -> Notice:
    """One line naming the files a walk did not read (hidden files are not named)."""
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    return Notice(where, f"skipped {len(names)} file(s) that are not articles: {shown}")


def not_a_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (missing, a symlink loop, a FIFO, a device,
    no permission), or None when it is a regular file or a directory."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links); not read"
        if exc.errno == errno.ENOENT and path.is_symlink():
            return f"broken symbolic link (its target {os.readlink(path)!r} does not exist)"
        if exc.errno == errno.ENOENT:
            return "no such file, directory or URL"
        return f"cannot read: {os_message(exc)}"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe), not a regular file; not read (reading could block forever)"
    if stat.S_ISSOCK(mode):
        return "a socket, not a regular file; not read"
    return "a device, not a regular file; not read"


def _walk(
    root: Path, cfg: IngestConfig, skipped: list[str] | None = None
) -> Iterator[Source | IngestError]:
    """Readable files under ``root``; a file with an article extension that is a symlink
    loop, a broken link, a FIFO or a device is reported, not skipped silently. Files that
    are not articles go to ``skipped`` (by path relative to ``root``)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            kind = _walk_kind(path, cfg)
            if kind is None:
                if skipped is not None and not name.startswith("."):
                    skipped.append(str(path.relative_to(root)))
                continue
            problem = not_a_file(path)
            if problem is None:
                yield Source(kind, str(path), walked=True)
            else:
                yield IngestError(str(path), problem)


def expand(
    inputs: list[str] | tuple[str, ...], cfg: IngestConfig
) -> Iterator[Source | IngestError | Notice]:
    """Every source the inputs name, in order; an input naming nothing is an error."""
    for spec in inputs:
        if is_url(spec):
            yield Source("url", spec)
            continue
        if is_filesystem_uri(spec):
            yield from _remote(spec, cfg)
            continue
        path = Path(spec)
        problem = not_a_file(path)
        if path.is_dir():
            skipped: list[str] = []
            found = list(_walk(path, cfg, skipped))
            if not found:
                yield IngestError(
                    spec,
                    "no readable files in this directory (looked for: "
                    + " ".join(sorted(set(SUFFIX_KINDS) - {".json"}))
                    + ", each also as .gz or .bz2)",
                )
            elif skipped:
                yield skipped_note(spec, skipped)
            yield from found
        elif path.is_file():
            yield Source(kind_for_name(path.name) or "sniff", spec)
        elif problem is not None and (os.path.lexists(path) or not glob.has_magic(spec)):
            yield IngestError(spec, problem)
        else:
            matches = sorted(glob.glob(spec, recursive=True))
            sources: list[Source | IngestError] = []
            for match in map(Path, matches):
                if match.is_dir():
                    sources.extend(_walk(match, cfg))
                elif kind := _walk_kind(match, cfg):
                    why = not_a_file(match)
                    sources.append(
                        Source(kind, str(match), walked=True)
                        if why is None
                        else IngestError(str(match), why)
                    )
            if not sources:
                yield IngestError(spec, "no readable files match this pattern")
            yield from sources


def is_filesystem_uri(spec: str) -> bool:
    """A URI of a filesystem pyarrow opens (``file://``, ``s3://``, ``gs://``, ``abfs://``,
    ``hdfs://``): input a cluster reads from shared storage rather than this disk."""
    scheme = urlsplit(spec).scheme
    return "://" in spec and len(scheme) > 1 and scheme not in ("http", "https")


def _uri(scheme: str, path: str, query: str) -> str:
    """The URI of ``path`` on the filesystem ``scheme://...?query`` names."""
    return f"{scheme}://{path}" + (f"?{query}" if query else "")


def _remote(spec: str, cfg: IngestConfig) -> Iterator[Source | IngestError | Notice]:
    """The Parquet files a filesystem URI names: the file, or every Parquet file under the
    folder (a Parquet dataset as cluster pipelines write it)."""
    import pyarrow as pa
    import pyarrow.fs as pafs

    parts = urlsplit(spec)
    try:
        fs, path = pafs.FileSystem.from_uri(spec)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.Directory:
            listed = fs.get_file_info(pafs.FileSelector(path, recursive=True))
            files = sorted(i.path for i in listed if i.type == pafs.FileType.File)
        elif info.type == pafs.FileType.File:
            files = [path]
        else:
            yield IngestError(spec, "no such file or folder on that filesystem")
            return
    except (OSError, ValueError, pa.ArrowException) as exc:
        yield IngestError(spec, f"cannot open that filesystem: {exc}")
        return
    walked = info.type == pafs.FileType.Directory
    found, skipped = [], []
    for name in files:
        base = name.rsplit("/", 1)[-1]
        if base.startswith((".", "_")) or excluded(base, cfg):
            continue  # hidden files and dataset metadata (_SUCCESS, _common_metadata)
        if kind_for_name(base) == "parquet":
            found.append(Source("parquet", _uri(parts.scheme, name, parts.query), walked))
        else:
            skipped.append(name)
    if skipped and not walked:
        yield IngestError(
            spec, "only Parquet files are read from a filesystem URI; copy other files here"
        )
        return
    if walked and not found:
        yield IngestError(spec, "no Parquet files in this folder")
        return
    if skipped:
        yield skipped_note(spec, skipped)
    yield from found


def read_source(source: Source, ctx: ReadContext) -> Iterator[Item]:
    """The documents and errors one file source yields (URLs are read in groups)."""
    if is_filesystem_uri(source.location):  # ``_remote`` lists only Parquet files
        yield from read_parquet(source.location, ctx)
        return
    path = Path(source.location)
    kind = source.kind
    if kind == "json":
        yield IngestError(
            source.location,
            "a JSON file is not read as articles; write one JSON object per line in a .jsonl file",
        )
        return
    if kind in ("markup", "sniff"):
        yield from _read_sniffed(path, kind, ctx)
        return
    if kind == "zip":
        yield from read_zip(
            path,
            ctx,
            lambda name: _walk_kind(Path(name), ctx.cfg),
            lambda member_kind, copy, c: read_source(Source(member_kind, str(copy), True), c),
        )
        return
    readers: dict[str, Callable[[Path, ReadContext], Iterator[Item]]] = {
        "text": read_text_file,
        "html": read_html_file,
        "jsonl": read_jsonl,
        "csv": partial(read_csv, optional=source.walked),
        "parquet": read_parquet,
        "warc": read_warc,
    }
    yield from readers[kind](path, ctx)


def _read_sniffed(path: Path, kind: str, ctx: ReadContext) -> Iterator[Item]:
    source = str(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
        if kind == "sniff" and (head.startswith(b"WARC/") or _gzipped_warc(head)):
            yield from read_warc(path, ctx)
            return
        if kind == "sniff" and head.startswith(ZIP_MAGIC):
            yield IngestError(
                source, "a ZIP container (an office document?); only .zip archives are opened"
            )
            return
        with open_input(path) as fh:  # what a compressed file holds
            head = fh.read(8192)
    except STREAM_ERRORS as exc:
        yield IngestError(source, f"cannot read: {exc}")
        return
    markup = sniff_markup(head) if head.strip() else "text"
    if markup == "feed":
        yield from read_feed_file(path, ctx)
        return
    data = read_input(path, ctx.cfg.max_document_bytes)
    if isinstance(data, IngestError):
        yield data
        return
    if markup == "html":
        try:
            html = decode_html(data, ctx)
        except ValueError as exc:
            yield IngestError(source, str(exc))
            return
        yield from html_items(html, source)
    elif markup == "xml":
        yield IngestError(source, "XML that is not an RSS or Atom feed (nor HTML)")
    else:
        yield text_document(data, source, ctx)


def _gzipped_warc(head: bytes) -> bool:
    if not head.startswith(b"\x1f\x8b"):
        return False
    try:
        return zlib.decompressobj(wbits=31).decompress(head, 16)[:5] == b"WARC/"
    except zlib.error:
        return False


__all__ = ["Source", "expand", "feed_items", "kind_for_name", "read_source"]
