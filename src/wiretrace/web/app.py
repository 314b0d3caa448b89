"""The read-only web UI: server-rendered pages, each also served as JSON under ``/api``.

Every response carries a strict Content-Security-Policy (no inline script, no framing), ids
taken from the URL are validated before they reach a bound SQL parameter, and static files
come from a fixed list read from the package folder at start-up, never from a path in the URL.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import queue
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import read
from ..display import BIDI_CONTROLS
from ..read import NotFound
from . import render

if TYPE_CHECKING:
    from ..config import Config
    from ..store import Store

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
STATIC_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

LOG = logging.getLogger("wiretrace.web")
ERROR_TEXT = "this page failed to render; the server log has the details"
ERROR_PAGE = f"<!doctype html><title>Error · Wiretrace</title><p>{ERROR_TEXT}</p>"

Builder = Callable[[sqlite3.Connection, Request], dict[str, object]]
Viewer = Callable[[dict[str, Any], render.ServerUrls], dict[str, Any]]


class SecurityHeaders:
    """Pure ASGI middleware: the headers go on every response, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] not in _HEADER_NAMES]
                message["headers"] = [*headers, *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


_HEADER_NAMES = frozenset(name for name, _ in SECURITY_HEADERS)


class StoreUnusable(ValueError):
    """The file given to serve is not a Wiretrace store this version can show."""


def check_store(path: Path) -> None:
    """Refuse at start-up, with the reason, a file every page would fail on: not SQLite,
    SQLite without a Wiretrace schema, or a schema newer than this Wiretrace."""
    from ..store import SCHEMA_VERSION

    conn = read.connect_readonly(path)  # FileNotFoundError when absent
    try:
        version = read.schema_version(conn)
    except sqlite3.DatabaseError as exc:
        raise StoreUnusable(
            f"{path}: not a Wiretrace store (SQLite: {exc}); give the file that "
            "`wiretrace ingest --db FILE` wrote"
        ) from exc
    finally:
        conn.close()
    if version == 0:
        raise StoreUnusable(
            f"{path}: an SQLite database without Wiretrace tables; run `wiretrace ingest "
            f"PATH --db {path}` and `wiretrace analyze --db {path}` first"
        )
    if version > SCHEMA_VERSION:
        raise StoreUnusable(
            f"{path}: schema version {version} is newer than this Wiretrace "
            f"({SCHEMA_VERSION}); upgrade wiretrace"
        )
    if version < SCHEMA_VERSION:
        raise StoreUnusable(
            f"{path}: written by an older Wiretrace (schema {version} of {SCHEMA_VERSION}); "
            f"run `wiretrace analyze --db {path}` once to upgrade it"
        )


class ConnectionPool:
    """Read-only SQLite connections shared by the worker threads."""

    def __init__(self, path: Path, size: int) -> None:
        self.path = path
        self._idle: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        check_store(path)  # fail at start-up, not with a 500 on every page
        for _ in range(size):
            self._idle.put(read.connect_readonly(path))

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._idle.get(timeout=60)
        try:
            yield conn
        finally:
            self._idle.put(conn)

    def close(self) -> None:
        while not self._idle.empty():
            self._idle.get_nowait().close()


class PageCache:
    """Corpus-wide pages scan whole tables; keep their data until the store file changes.

    The key is the query, the validity stamp the size and mtime of the store and its WAL, so
    a new ``wiretrace analyze`` run shows up on the next request.
    """

    def __init__(self, db: Path, size: int = 64) -> None:
        self.db = db
        self.size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[str, tuple[tuple[int, ...], dict[str, Any]]] = OrderedDict()

    def _stamp(self) -> tuple[int, ...]:
        stamp: list[int] = []
        for path in (self.db, Path(str(self.db) + "-wal")):
            try:
                st = path.stat()
                stamp += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                stamp += [0, 0]
        return tuple(stamp)

    def get(self, key: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        stamp = self._stamp()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == stamp:
                self._items.move_to_end(key)
                return hit[1]
        data = build()
        with self._lock:
            self._items[key] = (stamp, data)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return data


# Bidi controls travel as \\uXXXX escapes: the same data, but not reordering a raw view.
_JSON_BIDI = {ord(c): f"\\u{ord(c):04x}" for c in BIDI_CONTROLS}


class SafeJSONResponse(Response):
    """JSON with ``<``, ``>`` and ``&`` escaped, so no browser can read it as markup."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        text = json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=str)
        text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return text.translate(_JSON_BIDI).encode("utf-8")


def _int(request: Request, name: str, default: int = 1) -> int:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 7 else default


@dataclass(frozen=True)
class PageSpec:
    view: str
    path: str
    build: Builder
    prepare: Viewer = render.identity
    corpus_wide: bool = False


def _pages() -> list[PageSpec]:
    p = request_param
    return [
        PageSpec(
            "overview",
            "/",
            lambda c, r: read.overview(c, _int(r, "page")),
            render.overview_view,
            True,
        ),
        listing("stories"),
        PageSpec("story", "/stories/{id}", _story, render.story_view),
        listing("articles"),
        listing("quotes"),
        listing("reuse"),
        listing("hits"),
        PageSpec(
            "article",
            "/articles/{id}",
            lambda c, r: read.article(c, p(r, "id")),
            render.article_view,
        ),
        PageSpec(
            "compare",
            "/compare/{a}/{b}",
            lambda c, r: read.compare(c, p(r, "a"), p(r, "b")),
            render.compare_view,
        ),
        listing("speakers"),
        PageSpec("speaker", "/speakers/{id}", lambda c, r: read.speaker(c, p(r, "id"))),
        PageSpec(
            "statements",
            "/statements",
            lambda c, r: read.statements(c, _int(r, "page")),
            corpus_wide=True,
        ),
        listing("figures", render.figures_view),
        PageSpec("narratives", "/narratives", lambda c, r: read.narratives(c), corpus_wide=True),
        PageSpec(
            "narrative",
            "/narratives/{id}",
            lambda c, r: read.narrative(c, p(r, "id")),
            render.narrative_view,
        ),
        scoped("provenance", lambda c, f: read.provenance(c, f.scope()), render.provenance_view),
        scoped("timeline", _timeline, render.timeline_view),
        PageSpec("search", "/search", lambda c, r: read.search(c, r.query_params.get("q", ""))),
    ]


def _story(conn: sqlite3.Connection, request: Request) -> dict[str, object]:
    """A story; on a server that takes corrections, with the largest stories to merge into
    and a page of its articles to pick from (``find`` searches them, ``pick`` pages)."""
    story_id = request_param(request, "id")
    body = read.story(conn, story_id)
    if request.app.state.writes:
        find = request.query_params.get("find", "")[:200]
        body["picks"] = read.story_picks(conn, story_id, find, _int(request, "pick"))
        cache: PageCache = request.app.state.cache
        body["others"] = cache.get(
            "story-choices", lambda: {"rows": read.plain(read.story_rows(conn, None, 200))}
        )["rows"]
    return body


def _timeline(conn: sqlite3.Connection, filt: read.Filter) -> dict[str, object]:
    """The timeline: ``since``/``until`` window its events by the dates the text names (an
    article of 2023 recalling 1994 shows under 1994), its charts by publication date."""
    return read.timeline(conn, filt.without("since", "until").scope(), filt.since, filt.until)


def listing(name: str, prepare: Viewer = render.identity) -> PageSpec:
    """A list page: rows under the URL's filter (outlet, since, until, story, speaker, kind),
    paged, with facet counts; the same filter works on its JSON twin."""

    def build(conn: sqlite3.Connection, request: Request) -> dict[str, object]:
        filt = read.Filter.from_params(request.query_params).resolved(conn)
        order = request.query_params.get("order") or "score"
        if order not in read.ORDERS:
            raise NotFound(f"no such order: {order[:20]!r} (one of {', '.join(read.ORDERS)})")
        page = _int(request, "page")
        body = read.listing(conn, name, page, filt, with_facets=False, order=order)
        # the facets of a filter are the same on every page: counted once per store state
        key = f"facets/{name}?{urlencode(sorted(filt.params().items()))}"
        cache: PageCache = request.app.state.cache
        body["facets"] = cache.get(key, lambda: dict(read.plain(read.facets(conn, name, filt))))
        return body

    return PageSpec(name, f"/{name}", build, prepare, corpus_wide=True)


def scoped(
    name: str,
    query: Callable[[sqlite3.Connection, read.Filter], dict[str, object]],
    prepare: Viewer,
) -> PageSpec:
    """A corpus view narrowed by the URL's filter (``/provenance?story=…&outlet=…``)."""

    def build(conn: sqlite3.Connection, request: Request) -> dict[str, object]:
        filt = read.Filter.from_params(request.query_params).resolved(conn)
        return {
            **query(conn, filt),
            "filter": filt.params(),
            "filter_labels": read.filter_labels(conn, filt),
        }

    return PageSpec(name, f"/{name}", build, prepare, corpus_wide=True)


def request_param(request: Request, name: str) -> str:
    return str(request.path_params.get(name, ""))


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server to this machine."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts_for(bind: str) -> list[str]:
    """Host names a browser may use for a server bound to ``bind``.

    On a loopback address (any of 127.0.0.0/8, ``::1``, ``localhost``) only this machine's
    names are answered, so a web page elsewhere cannot read the corpus by DNS rebinding;
    elsewhere the operator chose to publish, and any name is accepted.
    """
    return [*LOOPBACK_HOSTS, bind] if is_loopback(bind) else ["*"]


def server_url(host: str, port: int) -> str:
    """The URL to open for a server bound to ``host``: IPv6 literals in brackets."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return f"http://{host}:{port}/"
    shown = f"[{address.compressed}]" if address.version == 6 else address.compressed
    return f"http://{shown}:{port}/"


def _host_key(value: str) -> str | ipaddress.IPv4Address | ipaddress.IPv6Address:
    """One form per host, so ``[::1]``, ``[0:0::1]`` and ``::1`` compare equal."""
    value = value.strip().lower().rstrip(".")
    try:
        return ipaddress.ip_address(value.strip("[]"))
    except ValueError:
        return value


def _request_host(header: str) -> str | ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The host of a Host header (port dropped), or None when it is malformed."""
    header = header.strip()
    if header.startswith("["):
        end = header.find("]")
        rest = header[end + 1 :] if end > 0 else ""
        if end < 0 or (rest and not (rest.startswith(":") and rest[1:].isdigit())):
            return None
        key = _host_key(header[1:end])
        return key if isinstance(key, ipaddress.IPv6Address) else None
    name, _, port = header.partition(":")
    if not name or (port and not port.isdigit()) or any(c in name for c in "/@ \\"):
        return None
    return _host_key(name)


class HostCheck:
    """Pure ASGI middleware: answer 400 unless the Host header names an allowed host.

    Starlette's TrustedHostMiddleware compares strings, which misses IPv6 literals
    (``[::1]``) and other spellings of the same address; this compares addresses.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allow_any = "*" in allowed_hosts
        self.allowed = {_host_key(h) for h in allowed_hosts if h != "*"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allow_any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope.get("headers", []) if k == b"host"), b"")
        host = _request_host(header.decode("latin-1"))
        if host is None or host not in self.allowed:
            await PlainTextResponse("Invalid host header", status_code=400)(scope, receive, send)
            return
        await self.app(scope, receive, send)


JUDGE_PATH = "/hits/judge"
SPEAKER_EDIT_PATH = "/speakers/edit"
STORY_EDIT_PATH = "/stories/edit"
FORM_LIMIT = 65536  # bytes: a verdict form is a few hundred, a split lists article ids


def same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this server, by the headers browsers set.

    ``Sec-Fetch-Site`` (sent by current browsers) must say same-origin; ``Origin`` when sent
    must name the host the request was made to (or be ``null``, as under our referrer policy,
    when ``Sec-Fetch-Site`` vouches). A form on another site fails both.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin == "null" and site is not None:
        # our pages' ``Referrer-Policy: no-referrer`` makes a browser send ``Origin: null``
        # with a form; ``Sec-Fetch-Site``, which no page can set, has said same-origin
        return True
    if origin is not None:
        host = request.headers.get("host", "")
        return origin in (f"http://{host}", f"https://{host}")
    return site is not None


def _local_path(value: str) -> str:
    """Where to go back to after a verdict: a path on this server, never another site."""
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:2000]
    return "/hits"


def create_app(
    db: str | Path,
    pool_size: int = 8,
    allowed_hosts: Sequence[str] = LOOPBACK_HOSTS,
    writes: bool | None = None,
    config: Config | None = None,
    token: str | None = None,
) -> FastAPI:
    """The web app over one store file, read through read-only connections.

    Only requests naming an allowed host are answered, so a web page elsewhere cannot read
    the corpus through DNS rebinding while the server runs on this machine.

    ``writes`` adds the user's corrections to the pages: right/wrong buttons on narrative
    echoes (the same call as ``wiretrace narratives judge``), and forms that merge, split
    and rename speakers and merge, split and move stories (the same ``read.edits`` calls as
    ``wiretrace speakers`` and ``wiretrace stories``, applied with ``config``: give the one
    the store was analysed with). By default they are on only for a server kept to this
    machine; each change must come from this server's own page (``Sec-Fetch-Site`` /
    ``Origin``) carrying a token made at start-up (``token``: the same in every worker
    process), so another site cannot make changes through the user's browser.
    """
    pool = ConnectionPool(Path(db), pool_size)
    env = render.make_env()
    if writes is None:
        writes = "*" not in allowed_hosts
    token = (token or secrets.token_urlsafe(24)) if writes else None
    env.globals["form_token"] = token
    writing = threading.Lock()  # one change at a time: an edit re-runs a stage
    urls = render.ServerUrls()
    static = {
        path.name: (path.read_bytes(), STATIC_TYPES[path.suffix])
        for path in render.STATIC.iterdir()
        if path.is_file() and path.suffix in STATIC_TYPES
    }
    app = FastAPI(title="Wiretrace", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.pool = pool
    app.state.writes = token is not None
    cache = PageCache(Path(db))
    app.state.cache = cache

    def build(spec: PageSpec, request: Request) -> dict[str, Any]:
        def run() -> dict[str, Any]:
            with pool.connection() as conn:
                return dict(read.plain(spec.build(conn, request)))

        if spec.corpus_wide:
            return cache.get(f"{spec.view}?{request.url.query}", run)
        return run()

    app.add_middleware(HostCheck, allowed_hosts=list(allowed_hosts))
    app.add_middleware(SecurityHeaders)

    def not_found(request: Request, message: str, api: bool, status: int = 404) -> Response:
        if api:
            return SafeJSONResponse({"error": message}, status_code=status)
        html = env.get_template("page.html").render(
            view="error",
            d={"message": message, "status": status},
            urls=urls,
            title="Not found" if status == 404 else "Not changed",
            api_path=None,
            report=False,
        )
        return HTMLResponse(html, status_code=status)

    def html_endpoint(spec: PageSpec) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            try:
                data = build(spec, request)
                html = env.get_template("page.html").render(
                    view=spec.view,
                    d=spec.prepare(data, urls),
                    urls=urls,
                    title=_title(spec.view, data),
                    api_path=urls.api(request.url.path),
                    query=str(request.url.query),
                    here=request.url.path + (f"?{request.url.query}" if request.url.query else ""),
                    report=False,
                )
            except NotFound as exc:
                return not_found(request, str(exc), api=False)
            except Exception:  # answered here so the security headers still apply
                LOG.exception("rendering %s failed", request.url.path)
                return HTMLResponse(ERROR_PAGE, status_code=500)
            return HTMLResponse(html)

        return endpoint

    def json_endpoint(spec: PageSpec) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            try:
                return SafeJSONResponse(build(spec, request))
            except NotFound as exc:
                return not_found(request, str(exc), api=True)
            except Exception:
                LOG.exception("building %s failed", request.url.path)
                return SafeJSONResponse({"error": ERROR_TEXT}, status_code=500)

        return endpoint

    for spec in _pages():
        app.router.add_route(spec.path, html_endpoint(spec), methods=["GET"], name=spec.view)
        api_path = "/api/overview" if spec.path == "/" else "/api" + spec.path
        app.router.add_route(
            api_path, json_endpoint(spec), methods=["GET"], name=f"api-{spec.view}"
        )

    def compare_form(request: Request) -> Response:
        a, b = request.query_params.get("a", ""), request.query_params.get("b", "")
        try:
            read.valid_id(a)
            read.valid_id(b)
        except NotFound as exc:
            return not_found(request, str(exc), api=False)
        return RedirectResponse(urls.compare(a, b), status_code=303)

    app.router.add_route("/compare", compare_form, methods=["GET"], name="compare-form")

    async def posted(request: Request) -> dict[str, list[str]] | Response:
        """The fields of a change posted from this server's own page, or the refusal."""
        if token is None:
            return PlainTextResponse("changes are off on this server", status_code=403)
        if not same_origin(request):
            return PlainTextResponse("cross-site request refused", status_code=403)
        body = await request.body()
        if len(body) > FORM_LIMIT:
            return PlainTextResponse("form too large", status_code=413)
        form = parse_qs(body.decode("utf-8", "replace"))
        if not hmac.compare_digest(_field(form, "token"), token):
            return PlainTextResponse("stale or missing form token; reload the page", 403)
        return form

    async def judge(request: Request) -> Response:
        """A verdict on one echo from the buttons of a hit list; back to that list."""
        form = await posted(request)
        if isinstance(form, Response):
            return form
        verdict = _field(form, "verdict")
        if verdict not in ("right", "wrong"):
            return PlainTextResponse("verdict must be right or wrong", status_code=400)
        from ..narratives.api import judge as judge_hit
        from ..narratives.watchlist import WatchlistError
        from ..store import Store

        def record() -> Response:
            try:
                with writing, Store(pool.path) as store:
                    judge_hit(store, _field(form, "hit"), verdict == "right")
            except WatchlistError as exc:
                return PlainTextResponse(str(exc), status_code=404)
            return RedirectResponse(_local_path(_field(form, "next")), status_code=303)

        return await run_in_threadpool(record)

    def change(request: Request, make: Callable[[Store, Config], str]) -> Response:
        """Apply one correction through ``read.edits`` and show where it landed; a refused
        one shows why (nothing is recorded)."""
        from ..config import load_config
        from ..read.edits import EditRefused
        from ..store import Store

        try:
            with writing, Store(pool.path) as store:
                where = make(store, config if config is not None else load_config(None))
        except NotFound as exc:
            return not_found(request, str(exc), api=False)
        except EditRefused as exc:
            return not_found(request, str(exc), api=False, status=400)
        return RedirectResponse(where, status_code=303)

    async def edit_speaker(request: Request) -> Response:
        """Record a merge, split or rename of a speaker from its page; back to that page,
        which lists it among the corrections the next ``wiretrace analyze`` applies (the
        request never re-resolves the corpus's speakers)."""
        form = await posted(request)
        if isinstance(form, Response):
            return form
        from ..read.edits import edit_speaker as record

        action, name, target = (_field(form, k) for k in ("action", "name", "target"))

        def make(store: Store, cfg: Config) -> str:
            record(store, action, name, target or None)
            try:  # the speaker the name belongs to until then
                page = urls.speaker(read.resolve(store.conn, "speaker", name.strip()))
            except NotFound:
                page = None
            return f"{page}#waiting" if page else "/speakers"

        return await run_in_threadpool(change, request, make)

    async def edit_story(request: Request) -> Response:
        """Merge a story into another, split articles out, or move one article; to the
        story the articles are in after."""
        form = await posted(request)
        if isinstance(form, Response):
            return form
        from ..read import edits

        action, story, into = (_field(form, k) for k in ("action", "story", "into"))
        chosen = [a for a in form.get("article", []) if a]

        def make(store: Store, cfg: Config) -> str:
            if action == "merge":
                return urls.story(edits.merge_stories(store, cfg, story, into))
            if action == "split":
                return urls.story(edits.split_story(store, cfg, story, chosen))
            if action == "move":
                if len(chosen) != 1:
                    raise edits.EditRefused("choose the one article to move")
                return urls.story(edits.move_article(store, cfg, chosen[0], into))
            raise edits.EditRefused(f"unknown story edit {action!r}: merge, split or move")

        return await run_in_threadpool(change, request, make)

    app.router.add_route(SPEAKER_EDIT_PATH, edit_speaker, methods=["POST"], name="edit-speaker")
    app.router.add_route(STORY_EDIT_PATH, edit_story, methods=["POST"], name="edit-story")
    app.router.add_route(JUDGE_PATH, judge, methods=["POST"], name="judge")

    def static_file(request: Request) -> Response:
        entry = static.get(request_param(request, "name"))
        if entry is None:
            return Response("not found", status_code=404, media_type="text/plain")
        body, media_type = entry
        return Response(
            body, media_type=media_type, headers={"cache-control": "public, max-age=3600"}
        )

    app.router.add_route("/static/{name}", static_file, methods=["GET"], name="static")

    async def missing(request: Request, exc: Exception) -> Response:
        return not_found(request, "no such page", api=request.url.path.startswith("/api/"))

    app.add_exception_handler(404, missing)
    return app


def app_from_env() -> FastAPI:
    """Factory for multi-process serving: each uvicorn worker opens the store itself, and
    all share the form token (a page from one worker posts to another)."""
    from ..config import load_config

    hosts = os.environ.get("WIRETRACE_HOSTS", ",".join(LOOPBACK_HOSTS)).split(",")
    return create_app(
        os.environ["WIRETRACE_DB"],
        int(os.environ.get("WIRETRACE_POOL", "8")),
        hosts,
        config=load_config(os.environ.get("WIRETRACE_CONFIG") or None),
        token=os.environ.get("WIRETRACE_TOKEN") or None,
    )


def _field(form: dict[str, list[str]], name: str) -> str:
    """The first value of a posted field ('' when absent)."""
    return (form.get(name) or [""])[0]


def _title(view: str, data: dict[str, Any]) -> str:
    if view == "article":
        return str(data["article"].get("title") or "Article")
    if view == "story":
        return str(data["story"].get("title") or "Story")
    if view == "compare":
        return "Compare"
    if view == "speaker":
        return str(data["speaker"]["name"])
    if view == "narrative":
        return "Narrative"
    return dict(render.NAV).get(view, view.title())
