"""The ``[ingest]`` section of the configuration file."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from ..config import ConfigError


def _version() -> str:
    try:
        return version("wiretrace")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "dev"


DEFAULT_USER_AGENT = f"wiretrace/{_version()} (news provenance research; honours robots.txt)"


@dataclass(frozen=True)
class IngestConfig:
    """How inputs are read and fetched.

    Size limits exist so that one stray dump or disk image cannot exhaust memory: a single
    document file or fetched page over ``max_document_bytes`` is refused with its size;
    container files (JSONL, CSV, WARC) are streamed whatever their size, and each record
    in them is held to ``max_record_bytes``.
    """

    batch_size: int = 200
    max_document_bytes: int = 10 * 1024 * 1024
    max_record_bytes: int = 10 * 1024 * 1024
    max_feed_bytes: int = 100 * 1024 * 1024
    # "error": input whose bytes fit no encoding is refused with the offending offset.
    # "replace": mostly-UTF-8 input keeps its text, each invalid byte becomes U+FFFD.
    on_decode_error: str = "error"
    # Legacy encodings preferred, in order, when charset detection finds near-equal
    # candidates (short texts often decode cleanly in several code pages).
    preferred_encodings: tuple[str, ...] = (
        "cp1252",
        "cp1251",
        "cp1250",
        "koi8_r",
        "iso8859_15",
        "gb18030",
        "shift_jis",
        "euc_kr",
        "big5",
        "cp1253",
        "cp1254",
        "cp1256",
    )
    # Directory walks and globs skip files matching these names (gold files, metadata,
    # project notes); a file named explicitly on the command line is always read.
    exclude: tuple[str, ...] = (
        ".*",
        "*.json",
        "README",
        "README.*",
        "LICENSE",
        "LICENSE.*",
        "CHANGELOG*",
        "NOTICE*",
        "COPYING*",
    )
    # JSONL/CSV field names, first present wins.
    text_fields: tuple[str, ...] = ("text", "body", "content")
    html_fields: tuple[str, ...] = ("html", "raw_html")
    url_fields: tuple[str, ...] = ("url", "link")
    outlet_fields: tuple[str, ...] = ("outlet", "sitename", "site", "publisher")
    title_fields: tuple[str, ...] = ("title", "headline")
    published_fields: tuple[str, ...] = ("published", "date", "published_at")
    byline_fields: tuple[str, ...] = ("byline", "author", "authors")
    # HTTP politeness.
    user_agent: str = DEFAULT_USER_AGENT
    robots_agent: str = "wiretrace"
    timeout: float = 20.0  # per connect, read or write
    # Fetching one URL as a whole (robots.txt, connect, headers, body, redirects, retries)
    # ends by this many seconds, and a body arriving slower than min_transfer_rate
    # bytes/s over rate_window s is dropped.
    fetch_deadline: float = 60.0
    min_transfer_rate: int = 1024
    rate_window: float = 10.0
    concurrency: int = 4
    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 60.0
    per_host_delay: float = 0.25
    # Re-fetch URLs already in the store (off: re-ingesting a feed fetches only new links).
    refetch: bool = False

    def __post_init__(self) -> None:
        if self.on_decode_error not in ("error", "replace"):
            raise ConfigError("[ingest] on_decode_error must be 'error' or 'replace'")
        if self.fetch_deadline <= 0 or self.rate_window <= 0 or self.min_transfer_rate < 0:
            raise ConfigError(
                "[ingest] fetch_deadline and rate_window must be > 0, min_transfer_rate ≥ 0"
            )
        if self.batch_size < 1 or self.concurrency < 1 or self.retries < 0:
            raise ConfigError("[ingest] batch_size and concurrency must be ≥ 1, retries ≥ 0")
