"""Templates and the view-side preparation shared by the server and the report.

Both render the same Jinja2 macros; only the link scheme differs (``/articles/ID`` on the
server, ``#article-ID`` inside the single-file report). Autoescaping is always on and nothing
here marks text as safe: article text reaches the page only as escaped segments.
"""

from __future__ import annotations

import hashlib
from base64 import b64encode
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, StrictUndefined
from markupsafe import Markup

from ..display import mark_bidi
from ..isodate import calendar_date
from ..read import HEX, is_token
from . import charts
from .spans import Mark, segments

PACKAGE = Path(str(resources.files("wiretrace.web")))
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

NAV = (
    ("overview", "Overview"),
    ("stories", "Stories"),
    ("articles", "Articles"),
    ("quotes", "Quotes"),
    ("speakers", "Speakers"),
    ("statements", "Statements"),
    ("figures", "Figures"),
    ("narratives", "Narratives"),
    ("hits", "Echoes"),
    ("reuse", "Reuse"),
    ("provenance", "Provenance"),
    ("timeline", "Timeline"),
)

STORY_ROWS = 12  # rows of each finding a story page shows before linking to the full list

LEGEND = (
    ("reuse", "taken from another article"),
    ("reused-by", "taken by another article"),
    ("quote", "quote"),
    ("speaker", "speaker"),
    ("figure", "figure"),
    ("narrative", "narrative echo"),
    ("time", "dated time expression"),
    ("unsourced", "no source, not attributed"),
)


def _frag(anchor: str | None) -> str:
    return "#" + quote(anchor, safe="-_") if anchor else ""


@dataclass(frozen=True)
class ServerUrls:
    """Links between pages of the running server."""

    report: bool = False

    def article(self, article_id: str, anchor: str | None = None) -> str:
        return f"/articles/{quote(article_id, safe='')}{_frag(anchor)}"

    def story(self, story_id: str) -> str:
        return f"/stories/{quote(story_id, safe='')}"

    def compare(self, a: str, b: str) -> str:
        return f"/compare/{quote(a, safe='')}/{quote(b, safe='')}"

    def speaker(self, speaker_id: str | None) -> str | None:
        return f"/speakers/{quote(speaker_id or '', safe='')}" if is_token(speaker_id) else None

    def narrative(self, narrative_id: str) -> str | None:
        return f"/narratives/{quote(narrative_id, safe='')}" if is_token(narrative_id) else None

    def page(self, name: str, **params: Any) -> str:
        path = "/" if name == "overview" else f"/{name}"
        query = {k: v for k, v in params.items() if v is not None}
        return path + ("?" + urlencode(query) if query else "")

    def api(self, path: str) -> str:
        return "/api" + (path if path != "/" else "/overview")

    def figure(self, figure: dict[str, Any]) -> str:
        return self.article(figure["article"], f"f-{figure['id']}")


OUTSIDE = "#outside-report"


@dataclass(frozen=True)
class ReportUrls(ServerUrls):
    """Links inside the single-file report: every view is a section of the same page.

    A report may hold part of the corpus; links to what it leaves out land on a short note
    (``#outside-report``) instead of nowhere.
    """

    report: bool = True
    articles: frozenset[str] | None = None
    stories: frozenset[str] | None = None
    compares: frozenset[str] | None = None

    def article(self, article_id: str, anchor: str | None = None) -> str:
        if self.articles is not None and article_id not in self.articles:
            return OUTSIDE
        return _frag(anchor) if anchor else f"#article-{quote(article_id, safe='')}"

    def story(self, story_id: str) -> str:
        if self.stories is not None and story_id not in self.stories:
            return OUTSIDE
        return f"#story-{quote(story_id, safe='')}"

    def compare(self, a: str, b: str) -> str:
        """One compare section per pair, whichever side the link starts from."""
        key = compare_key(a, b)
        return OUTSIDE if self.compares is not None and key not in self.compares else "#" + key

    def speaker(self, speaker_id: str | None) -> str | None:
        return f"#speaker-{quote(speaker_id or '', safe='')}" if is_token(speaker_id) else None

    def narrative(self, narrative_id: str) -> str | None:
        return f"#narrative-{quote(narrative_id, safe='')}" if is_token(narrative_id) else None

    def page(self, name: str, **params: Any) -> str:
        return f"#{name}"


def compare_key(a: str, b: str) -> str:
    lo, hi = sorted((a, b))
    return f"compare-{quote(lo, safe='')}-{quote(hi, safe='')}"


def _num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def _pct(value: Any) -> str:
    return f"{100 * float(value or 0):.0f}%"


def _day(value: Any) -> str:
    return str(value)[:10] if value else "undated"


def _where(meta: dict[str, Any]) -> str:
    """``Outlet · date`` as plain text (autoescaped like any other value)."""
    return f"{meta.get('outlet') or 'unknown outlet'} · {_day(meta.get('published'))}"


def _figure_value(f: dict[str, Any]) -> str:
    low, high = f.get("value_low"), f.get("value_high")
    text = _num(low) if low == high else f"{_num(low)}–{_num(high)}"
    return f"{text} {f.get('unit') or ''}".strip()


def visible_bidi(value: Any) -> Any:
    """Bidi embeddings, overrides and isolates in a printed value shown as ``⟨U+202E⟩``.

    Used as the environment's ``finalize``, so every ``{{ … }}`` of every page and of the
    report passes through it: an override hidden in an article, a title or a URL can no
    longer make text read differently from what it is. The marker has no HTML-special
    character, so it is safe in text, attributes and already-escaped markup alike.
    """
    if isinstance(value, Markup):
        return Markup(mark_bidi(str(value)))
    if isinstance(value, str):
        return mark_bidi(value)
    return value


def _merged(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """URL parameters with some changed (``None`` drops one); a filter change drops the page."""
    out = {k: v for k, v in params.items() if k != "page"}
    out.update(changes)
    return {k: v for k, v in out.items() if v is not None}


def make_env() -> Environment:
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(TEMPLATES), PrefixLoader({"static": FileSystemLoader(STATIC)})]
        ),
        autoescape=True,
        auto_reload=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=visible_bidi,
    )
    env.filters.update(
        bidi=visible_bidi, num=_num, pct=_pct, day=_day, figvalue=_figure_value, where=_where
    )
    env.globals.update(
        nav=NAV,
        legend=LEGEND,
        story_rows=STORY_ROWS,
        is_hex=lambda v: bool(v) and set(v) <= HEX,
        merged=_merged,
    )
    return env


def inline_hash(text: str) -> str:
    """CSP source for an inline block, so the report needs no 'unsafe-inline'."""
    return "'sha256-" + b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


# -- view preparation ----------------------------------------------------------------


def article_marks(data: dict[str, Any], urls: ServerUrls) -> list[Mark]:
    marks: list[Mark] = []
    for link in data["reuse"]:
        other = link["other"]
        who = f"{other.get('outlet') or 'unknown outlet'} — {other.get('title') or other['id']}"
        s, e = link["span"]
        detail = f"{link['kind']}, score {float(link['score']):.2f}"
        if link["role"] == "taken_from":
            marks.append(
                Mark(
                    s,
                    e,
                    "reuse",
                    f"Taken from {who} ({detail})",
                    urls.article(other["id"], f"r{link['id']}-src"),
                    f"r{link['id']}-dst",
                    f"v-{link['kind']} g-r{link['id']}-dst",
                )
            )
        else:
            marks.append(
                Mark(
                    s,
                    e,
                    "reused-by",
                    f"Taken by {who} ({detail})",
                    urls.article(other["id"], f"r{link['id']}-dst"),
                    f"r{link['id']}-src",
                    f"v-{link['kind']} g-r{link['id']}-src",
                )
            )
    for q in data["quotes"]:
        speaker = q["speaker"] or "unattributed"
        marks.append(
            Mark(
                q["start"],
                q["end"],
                "quote",
                f"Quote ({q['kind']}) — {speaker}",
                urls.speaker(q["speaker_id"]),
                f"q-{q['id']}",
            )
        )
        if q["speaker_start"] is not None and q["speaker_end"] is not None:
            marks.append(
                Mark(
                    q["speaker_start"],
                    q["speaker_end"],
                    "speaker",
                    f"Speaker: {speaker}",
                    urls.speaker(q["speaker_id"]),
                )
            )
    for f in data["figures"]:
        relation = f" ({f['relation']} within “{f['group_what']}”)" if f["relation"] else ""
        marks.append(
            Mark(
                f["start"],
                f["end"],
                "figure",
                f"Figure: {_figure_value(f)} {f['what'] or ''}{relation}".strip(),
                urls.page("figures"),
                f"f-{f['id']}",
            )
        )
    for start, end, text, day in data.get("times", []):
        marks.append(
            Mark(start, end, "time", f"“{text}” dated {day}", urls.page("timeline"), f"t-{start}")
        )
    for start, end in data["unsourced"]:
        marks.append(
            Mark(
                start,
                end,
                "unsourced",
                "Not found in any other article and not attributed to a source",
            )
        )
    for h in data["narratives"]:
        if h.get("part") == "title":  # shown on the title (``title_marks``), not in the text
            continue
        marks.append(
            Mark(
                h["start"],
                h["end"],
                "narrative",
                f"Echoes narrative ({float(h['score']):.2f}): {h['statement']}",
                urls.narrative(h["narrative_id"]),
                f"n-{h['narrative_id']}-{h['start']}",
            )
        )
    return marks


def hit_anchor(h: Any) -> str:
    """The article-page anchor of a narrative echo (its title for an echo in the title)."""
    where = "title" if h["part"] == "title" else h["start"]
    return f"n-{h['narrative_id']}-{where}"


def title_marks(data: dict[str, Any], urls: ServerUrls) -> list[dict[str, Any]]:
    """Narrative echoes found in the article's title, for the title line of its page."""
    return [
        {
            "anchor": hit_anchor(h),
            "href": urls.narrative(h["narrative_id"]),
            "label": f"Title echoes narrative ({float(h['score']):.2f}): {h['statement']}",
        }
        for h in data["narratives"]
        if h.get("part") == "title"
    ]


def article_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    text = data["article"]["text"]
    counts = {kind: 0 for kind, _ in LEGEND}
    for mark in article_marks(data, urls):
        counts[mark.kind] = counts.get(mark.kind, 0) + 1
    titles = title_marks(data, urls)
    counts["narrative"] = counts.get("narrative", 0) + len(titles)
    return {
        **data,
        "segments": segments(text, article_marks(data, urls)),
        "title_marks": titles,
        "mark_counts": counts,
    }


def compare_view(data: dict[str, Any], urls: ServerUrls, prefix: str = "") -> dict[str, Any]:
    a_marks, b_marks = [], []
    for pair in data["pairs"]:
        n = pair["n"]
        css = f"p{(n - 1) % charts.PALETTE} pair-{n} v-{pair['kind']}"
        label = f"Pair {n}: {pair['kind']}, score {float(pair['score']):.2f}, {pair['direction']}"
        (a0, a1), (b0, b1) = pair["a_span"], pair["b_span"]
        a_marks.append(
            Mark(a0, a1, "pair", label, f"#{prefix}pb{n}", f"{prefix}pa{n}", css, str(n))
        )
        b_marks.append(
            Mark(b0, b1, "pair", label, f"#{prefix}pa{n}", f"{prefix}pb{n}", css, str(n))
        )
    return {
        **data,
        "a_segments": segments(data["a"]["text"], a_marks),
        "b_segments": segments(data["b"]["text"], b_marks),
        "prefix": prefix,
        "key": compare_key(data["a"]["id"], data["b"]["id"]),
    }


def overview_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    return {**data, "chart": charts.publication_bars(data["timeline"])}


def story_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    nodes = data["articles"]
    edges = [
        {
            "source": p["source"],
            "derived": p["derived"],
            "links": p["links"],
            "chars": p["chars"],
            "kinds": p["kinds"],
        }
        for p in data["pairs"]
    ]
    return {
        **data,
        "chart": charts.publication_bars(data["timeline"], height=120),
        "graph": charts.provenance_graph(nodes, edges, urls.article),
        "event_chart": events_chart(data["events"], urls),
    }


def narrative_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    chart = charts.lane_chart(
        data["hits"],
        lane=lambda h: h["meta"].get("outlet") or "(unknown)",
        when=lambda h: h["meta"].get("published"),
        title=lambda h: f"{h['meta'].get('outlet') or ''}: {h['text']}",
        href=lambda h: urls.article(h["article"], hit_anchor(h)),
    )
    speakers = charts.lane_chart(
        [h for h in data["hits"] if h["speaker"]],
        lane=lambda h: str(h["speaker"]),
        when=lambda h: h["meta"].get("published"),
        title=lambda h: f"{h['speaker']}: {h['text']}",
        href=lambda h: urls.article(h["article"], hit_anchor(h)),
    )
    return {**data, "chart": chart, "speaker_chart": speakers}


def figures_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    groups = [{**g, "chart": charts.value_chart(g["figures"], urls.figure)} for g in data["groups"]]
    return {**data, "groups": groups}


def provenance_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    return {**data, "graph": charts.provenance_graph(data["nodes"], data["edges"], urls.article)}


def timeline_view(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    return {
        **data,
        "chart": charts.publication_bars(data["publications"]),
        "gantt": _gantt(data),
        "event_chart": events_chart(data["events"], urls),
    }


def events_chart(events: list[dict[str, Any]], urls: ServerUrls) -> dict[str, Any] | None:
    """Dated events on the axis of the dates the text names, one lane per outlet; each dot
    opens the span that dates it.

    Only events dated to a day or a week are drawn, within the 5th–95th percentile of their
    dates, so one mention of 1970 does not squeeze a fortnight of events into a pixel; the
    table lists every event.
    """
    precise = []
    for e in events:
        a, b = calendar_date(e["date_start"]), calendar_date(e["date_end"])
        if a is not None and b is not None and (b - a).days <= 7:
            precise.append((a, e))
    if not precise:
        return None
    days = sorted(a for a, _ in precise)
    if len(days) >= 20:
        lo, hi = days[len(days) * 5 // 100], days[-(len(days) * 5 // 100) - 1]
        precise = [(a, e) for a, e in precise if lo <= a <= hi]
    return charts.lane_chart(
        [e for _, e in precise],
        lane=lambda e: e["meta"].get("outlet") or "(unknown)",
        when=lambda e: e["date_start"],
        title=lambda e: (
            f"{e['date_start']}"
            + (f" – {e['date_end']}" if e["date_end"] != e["date_start"] else "")
            + f" · {e['meta'].get('outlet') or ''}: {e['text']}"
        ),
        href=lambda e: urls.article(e["article"], e["anchor"]),
    )


def _gantt(data: dict[str, Any]) -> dict[str, Any] | None:
    stories = [s for s in data["stories"] if s["first"]]
    if not stories:
        return None
    days = [calendar_date(s[end]) for s in stories for end in ("first", "last")]
    known = [d for d in days if d]
    if not known:
        return None
    lo, hi = min(known).toordinal(), max(known).toordinal()
    left, width, row = 300, charts.WIDTH, 22
    plot = width - left - 20
    bars = []
    for i, s in enumerate(stories):
        a, b = calendar_date(s["first"]), calendar_date(s["last"])
        if a is None or b is None:
            continue
        x1 = left + plot * (a.toordinal() - lo) / max(1, hi - lo)
        x2 = left + plot * (b.toordinal() - lo) / max(1, hi - lo)
        bars.append(
            {
                "x": round(x1, 1),
                "w": round(max(4.0, x2 - x1), 1),
                "y": 10 + i * row,
                "label": s["title"],
                "id": s["id"],
                "n": s["articles"],
                "title": f"{s['title']}: {s['articles']} articles, {_day(s['first'])}"
                f" → {_day(s['last'])}",
            }
        )
    return {
        "width": width,
        "height": 20 + row * len(stories),
        "bars": bars,
        "left": left,
        "first": _day(data["stories"][0]["first"]) if stories else "",
        "lo": date.fromordinal(lo).isoformat(),
        "hi": date.fromordinal(hi).isoformat(),
    }


def identity(data: dict[str, Any], urls: ServerUrls) -> dict[str, Any]:
    return data
