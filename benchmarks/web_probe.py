"""Browser probes shared by the layout benchmark (``bench_web_layout.py``) and the browser
tests (``tests/test_web_browser.py``): serve a store on a free loopback port, find the pages
that overflow sideways, count overlapping labels. One copy, so the benchmark measures what
the tests check."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Pairs of on-screen boxes (of non-empty elements matching a selector) that overlap.
OVERLAPS = """sel => {
  const r = [...document.querySelectorAll(sel)].filter(e => e.textContent.trim())
    .map(e => e.getBoundingClientRect());
  let n = 0;
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) {
    const a = r[i], b = r[j];
    if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) n++;
  }
  return [r.length, n];
}"""


@contextmanager
def serving(db: Path, **options: Any) -> Iterator[str]:
    """The web app over ``db`` (``options`` go to ``create_app``) served by uvicorn on a
    free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from wiretrace.web import create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(db, **options), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def measure(page: Any, url: str) -> dict[str, int | None]:
    """Open ``url``; its HTTP status, document width and height in CSS pixels."""
    answer = page.goto(url)
    width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    return {"status": answer.status if answer else None, "scroll_width": width, "height": height}


def overflowing(page: Any, base_url: str, paths: Iterable[str]) -> dict[str, int]:
    """The paths whose document is wider than the page's viewport, with their width."""
    width = page.viewport_size["width"]
    wide = {}
    for path in paths:
        scroll = measure(page, base_url + path)["scroll_width"]
        if scroll is not None and scroll > width:
            wide[path] = scroll
    return wide


def label_overlaps(page: Any, selector: str) -> tuple[int, int]:
    """How many non-empty labels match ``selector`` on the open page, and how many pairs of
    them overlap on screen."""
    labels, pairs = page.evaluate(OVERLAPS, selector)
    return int(labels), int(pairs)
