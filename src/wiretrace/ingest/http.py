"""Polite HTTP fetching: robots.txt, a real User-Agent, timeouts, retries, spacing.

One ``Fetcher`` per ingest run. Requests run on a small thread pool (``concurrency``);
starts to the same host are spaced by ``per_host_delay`` or the robots.txt Crawl-delay,
whichever is longer. Connection failures, timeouts, HTTP 429 and 5xx are retried with
exponential backoff (``Retry-After`` honoured up to ``max_retry_after``). Each request is
bounded as a whole, not only per read: ``fetch_deadline`` seconds from connect to the last
body byte (headers included: a server trickling one byte at a time cannot hold a fetch
open), and a body slower than ``min_transfer_rate`` bytes/s over ``rate_window`` seconds is
abandoned; the deadline covers a URL's robots.txt, redirects, retries and backoff, and a
request that overruns either limit is not retried. robots.txt
follows RFC 9309: a 4xx answer allows everything, a 5xx or unreachable one disallows.
Redirects are followed hop by hop, each hop checked against its own host's robots.txt
(robots.txt itself may redirect, as RFC 9309 allows).
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpcore
import httpx

from .base import human_size
from .config import IngestConfig

MAX_REDIRECTS = 10
RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_ROBOTS_LIMIT = 512 * 1024


_CLOCK = threading.local()  # this thread's request deadline (time.monotonic), if any


def _bounded(timeout: float | None, slow: type[Exception]) -> float | None:
    """``timeout`` shortened to what is left of this thread's deadline; ``slow`` when none."""
    deadline: float | None = getattr(_CLOCK, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise slow("fetch deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read, write and TLS handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, bounded))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Connections whose socket operations honour the calling thread's deadline.

    A connection serves one request at a time, so the deadline of the thread using it is
    the deadline of the request in flight, keep-alive reuse included.
    """

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, bounded, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        bounded = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, bounded, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def with_deadlines(transport: httpx.BaseTransport | None) -> httpx.BaseTransport | None:
    """httpx's own transport with the deadline-aware network backend under its pool.

    httpx keeps the httpcore pool in ``_pool`` (httpx and httpcore are pinned; the
    trickling-server test fails if that ever changes). Other transports pass unchanged.
    """
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if isinstance(backend, httpcore.NetworkBackend) and not isinstance(backend, _DeadlineBackend):
        pool._network_backend = _DeadlineBackend(backend)  # type: ignore[union-attr]
    return transport


class FetchError(Exception):
    """A URL could not be fetched; the message says why in words."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class Fetched:
    url: str  # after redirects
    status: int
    content_type: str
    body: bytes


def is_url(spec: str) -> bool:
    return urlsplit(spec).scheme in ("http", "https")


class Fetcher:
    def __init__(
        self,
        cfg: IngestConfig,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.cfg = cfg
        limits = httpx.Limits(
            max_connections=cfg.concurrency * 2, max_keepalive_connections=cfg.concurrency
        )
        self._client = httpx.Client(
            headers={"User-Agent": cfg.user_agent},
            timeout=httpx.Timeout(cfg.timeout),
            follow_redirects=False,
            max_redirects=MAX_REDIRECTS,
            limits=limits,
            transport=transport or with_deadlines(httpx.HTTPTransport(limits=limits)),
        )
        for mounted in self._client._mounts.values():  # proxies named in the environment
            with_deadlines(mounted)
        self._pool = ThreadPoolExecutor(cfg.concurrency, thread_name_prefix="wiretrace-fetch")
        self._lock = threading.Lock()
        self._robots: dict[str, RobotFileParser | FetchError] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._next_start: dict[str, float] = {}
        self._sleep = sleep

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public --------------------------------------------------------------------------

    def fetch_many(
        self, urls: Iterable[str], limit: int
    ) -> Iterator[tuple[str, Fetched | FetchError]]:
        """Fetch concurrently, yielding results in input order with a bounded window."""
        window: deque[tuple[str, Future[Fetched]]] = deque()
        for url in urls:
            window.append((url, self._pool.submit(self.fetch, url, limit)))
            if len(window) >= self.cfg.concurrency * 4:
                yield self._result(*window.popleft())
        while window:
            yield self._result(*window.popleft())

    def fetch(self, url: str, limit: int) -> Fetched:
        """One URL, redirects followed hop by hop so each hop's robots.txt is honoured.

        Everything for the URL (robots.txt, redirect hops, retries and their backoff) ends
        by ``fetch_deadline``; only the wait for a polite turn at the host is not counted.
        """
        _CLOCK.deadline = time.monotonic() + self.cfg.fetch_deadline
        try:
            return self._fetch(url, limit)
        finally:
            _CLOCK.deadline = None

    def _fetch(self, url: str, limit: int) -> Fetched:
        for _ in range(MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"not an http(s) URL: {url}")
            origin = f"{parts.scheme}://{parts.netloc}"
            robots = self._robots_for(origin)
            if not robots.can_fetch(self.cfg.robots_agent, url):
                raise FetchError(f"disallowed by {origin}/robots.txt; not fetched")
            delay = robots.crawl_delay(self.cfg.robots_agent)
            got = self._get(url, limit, origin, float(delay or 0))
            if isinstance(got, Fetched):
                return got
            url = got
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _result(url: str, future: Future[Fetched]) -> tuple[str, Fetched | FetchError]:
        try:
            return url, future.result()
        except FetchError as exc:
            return url, exc

    def _robots_for(self, origin: str) -> RobotFileParser:
        with self._lock:
            lock = self._robots_locks.setdefault(origin, threading.Lock())
        with lock:
            known = self._robots.get(origin)
            if known is None:
                known = self._load_robots(origin)
                self._robots[origin] = known
        if isinstance(known, FetchError):
            raise known
        return known

    def _load_robots(self, origin: str) -> RobotFileParser | FetchError:
        parser = RobotFileParser(f"{origin}/robots.txt")
        try:
            got = self._get(f"{origin}/robots.txt", _ROBOTS_LIMIT, origin, 0.0, follow=True)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.parse([])  # RFC 9309: unavailable robots.txt allows everything
                return parser
            if exc.status is not None:
                return FetchError(
                    f"{origin}/robots.txt answered HTTP {exc.status}; treated "
                    "as disallowing everything (RFC 9309)",
                    exc.status,
                )
            return exc
        if not isinstance(got, Fetched):  # pragma: no cover - follow=True resolves redirects
            return FetchError(f"{origin}/robots.txt: unresolved redirect", 0)
        parser.parse(got.body.decode("utf-8", "replace").splitlines())
        return parser

    def _wait_turn(self, origin: str, delay: float) -> None:
        spacing = max(delay, self.cfg.per_host_delay)
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start.get(origin, now))
            self._next_start[origin] = start + spacing
        if start > now:
            self._sleep(start - now)
            if getattr(_CLOCK, "deadline", None) is not None:
                _CLOCK.deadline += start - now  # politeness is not the server's slowness

    def _backoff(self, attempt: int, retry_after: str | None) -> float:
        wait = self.cfg.backoff * (2**attempt)
        if retry_after:
            try:
                wait = max(wait, float(retry_after))
            except ValueError:
                try:
                    when = parsedate_to_datetime(retry_after)
                    wait = max(wait, (when - datetime.now(UTC)).total_seconds())
                except (TypeError, ValueError):
                    pass
        return float(min(wait, self.cfg.max_retry_after))

    def _get(
        self, url: str, limit: int, origin: str, delay: float, follow: bool = False
    ) -> Fetched | str:
        """The response to one GET, or the absolute URL it redirects to (unless ``follow``)."""
        attempts = self.cfg.retries + 1
        problem = FetchError("not fetched")
        for attempt in range(attempts):
            self._wait_turn(origin, delay)
            retry_after: str | None = None
            try:
                with self._client.stream("GET", url, follow_redirects=follow) as response:
                    status = response.status_code
                    location = response.headers.get("Location")
                    if response.is_redirect and location:
                        return str(urljoin(str(response.url), location))
                    if status >= 400:
                        problem = FetchError(f"HTTP {status} {response.reason_phrase}", status)
                        if status not in RETRY_STATUS:
                            raise problem
                        retry_after = response.headers.get("Retry-After")
                    else:
                        return self._read(response, limit, self.cfg)
            except httpx.TimeoutException:
                if self._past_deadline():
                    raise FetchError(
                        f"no complete response within {self.cfg.fetch_deadline:g} s; gave up "
                        "(raise [ingest] fetch_deadline for very slow servers)"
                    ) from None
                problem = FetchError(f"timed out after {self.cfg.timeout:g} s")
            except httpx.ConnectError as exc:
                problem = FetchError(f"cannot connect ({exc or 'connection failed'})")
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
            except httpx.HTTPError as exc:
                problem = FetchError(f"{type(exc).__name__}: {exc}")
            if attempt + 1 < attempts:
                wait = self._backoff(attempt, retry_after)
                if self._past_deadline(wait):
                    raise FetchError(
                        f"{problem}; no time left for another attempt within "
                        f"{self.cfg.fetch_deadline:g} s ([ingest] fetch_deadline)",
                        problem.status,
                    )
                self._sleep(wait)
        if attempts > 1:
            problem = FetchError(f"{problem} (gave up after {attempts} attempts)", problem.status)
        raise problem

    @staticmethod
    def _past_deadline(after: float = 0.0) -> bool:
        deadline: float | None = getattr(_CLOCK, "deadline", None)
        return deadline is not None and time.monotonic() + after >= deadline

    @staticmethod
    def _read(response: httpx.Response, limit: int, cfg: IngestConfig) -> Fetched:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                f"response is {human_size(int(declared))}, over the "
                f"{human_size(limit)} limit; raise [ingest] max_document_bytes"
            )
        chunks: list[bytes] = []
        size = 0
        mark, size_at_mark = time.monotonic(), 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(
                    f"response is over the {human_size(limit)} limit; raise "
                    "[ingest] max_document_bytes"
                )
            chunks.append(chunk)
            now = time.monotonic()
            if now - mark >= cfg.rate_window:
                rate = (size - size_at_mark) / (now - mark)
                if rate < cfg.min_transfer_rate:
                    raise FetchError(
                        f"too slow: {rate:,.0f} bytes/s over {now - mark:.0f} s, under the "
                        f"{cfg.min_transfer_rate:,} bytes/s minimum ([ingest] min_transfer_rate)"
                    )
                mark, size_at_mark = now, size
        return Fetched(
            url=str(response.url),
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            body=b"".join(chunks),
        )
