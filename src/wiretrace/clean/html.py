"""HTML pages: trafilatura finds the body; what it drops is kept as removed page chrome.

trafilatura leaves in-body boxes (donation appeals, newsletter prompts) in the text, so its
output then goes through the same plain-text cleaning as any other article.
"""

from __future__ import annotations

from ..models import Removed


def extract_body(
    html: str, url: str | None = None, keep_chrome: bool = True
) -> tuple[str, tuple[Removed, ...]]:
    """Body text (one paragraph per line) and the page text that is not body."""
    import trafilatura

    body = trafilatura.extract(
        html, url=url, output_format="txt", include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
    ) or ""
    if not keep_chrome:
        return body, ()
    return body, chrome(html, body)


def chrome(html: str, body: str) -> tuple[Removed, ...]:
    """Stretches of the page's visible text outside the extracted body, in page order."""
    import trafilatura

    page = " ".join((trafilatura.html2txt(html) or "").split())
    if not page:
        return ()
    pieces: list[str] = []
    rest = page
    for line in body.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        at = rest.find(line)
        if at < 0:
            continue
        pieces.append(rest[:at])
        rest = rest[at + len(line) :]
    pieces.append(rest)
    return tuple(Removed(p.strip(), "navigation") for p in pieces if p.strip())
