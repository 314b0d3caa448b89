"""Chart geometry computed on the server; templates draw it as inline SVG.

No charting library and no script: the charts are plain SVG shapes whose colours come from
CSS classes (``c0``…``c7``), so they obey the page's Content-Security-Policy and print well.
Every text label is passed to the template as data and escaped there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from ..isodate import calendar_date

Chart = dict[str, Any]
PALETTE = 8
WIDTH = 900


def colour_index(names: Sequence[str]) -> dict[str, str]:
    """Stable colour classes: the most frequent names get their own, the rest share one."""
    return {name: f"c{min(i, PALETTE - 1)}" for i, name in enumerate(names)}


def publication_bars(rows: Sequence[dict[str, Any]], height: int = 180) -> Chart | None:
    """Stacked bars of articles per day (per month when the span is long), by outlet."""
    per_key: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    days = [d for d in (calendar_date(r["day"]) for r in rows) if d]
    if not days:
        return None
    monthly = (max(days) - min(days)).days > 120
    for row in rows:
        d = calendar_date(row["day"])
        if d is None:
            continue
        key = d.isoformat()[:7] if monthly else d.isoformat()
        per_key[key][row["outlet"] or "(unknown)"] += int(row["n"])
        totals[row["outlet"] or "(unknown)"] += int(row["n"])
    keys = _fill(sorted(per_key), monthly)
    outlets = sorted(totals, key=lambda o: (-totals[o], o))
    colours = colour_index(outlets)
    top = max(sum(v.values()) for v in per_key.values())
    left, bottom, plot_h = 40, 28, height - 40
    slot = (WIDTH - left - 10) / max(1, len(keys))
    bar_w = max(1.0, min(slot * 0.8, 36.0))
    offset = (slot - bar_w) / 2
    bars = []
    for i, key in enumerate(keys):
        y = float(bottom + plot_h)
        for outlet in outlets:
            n = per_key.get(key, {}).get(outlet, 0)
            if not n:
                continue
            h = plot_h * n / top
            y -= h
            bars.append(
                {
                    "x": round(left + i * slot + offset, 1),
                    "y": round(y, 1),
                    "w": round(bar_w, 1),
                    "h": round(h, 1),
                    "cls": colours[outlet],
                    "title": f"{key} · {outlet}: {n}",
                }
            )
    step = max(1, len(keys) // 8)
    labels = [
        {"x": round(left + i * slot + slot / 2, 1), "text": key}
        for i, key in enumerate(keys)
        if i % step == 0
    ]
    legend = [{"cls": colours[o], "label": o, "n": totals[o]} for o in outlets[:PALETTE]]
    if len(outlets) > PALETTE:
        legend[-1] = {
            "cls": f"c{PALETTE - 1}",
            "label": "other outlets",
            "n": sum(totals[o] for o in outlets[PALETTE - 1 :]),
        }
    return {
        "width": WIDTH,
        "height": height + 10,
        "bars": bars,
        "labels": labels,
        "legend": legend,
        "top": top,
        "axis_y": bottom + plot_h,
        "left": left,
        "top_y": bottom,
        "unit": "month" if monthly else "day",
    }


def _fill(keys: list[str], monthly: bool) -> list[str]:
    """Every day (or month) between the first and the last, so gaps show as gaps."""
    if not keys or len(keys) > 2000:
        return keys
    if monthly:
        y, m = int(keys[0][:4]), int(keys[0][5:7])
        out = []
        while f"{y:04d}-{m:02d}" <= keys[-1]:
            out.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out
    first, last = date.fromisoformat(keys[0]), date.fromisoformat(keys[-1])
    return [date.fromordinal(o).isoformat() for o in range(first.toordinal(), last.toordinal() + 1)]


def lane_chart(
    points: Sequence[dict[str, Any]],
    lane: Callable[[dict[str, Any]], str],
    when: Callable[[dict[str, Any]], str | None],
    title: Callable[[dict[str, Any]], str],
    href: Callable[[dict[str, Any]], str],
) -> Chart | None:
    """Dots on a time axis, one lane per outlet or speaker: how something spread."""
    dated = [(p, calendar_date(when(p))) for p in points]
    days = [d for _, d in dated if d]
    if not points:
        return None
    lanes = sorted({lane(p) for p in points})
    lane_h, left, top_pad = 26, 180, 20
    height = top_pad + lane_h * len(lanes) + 30
    lo = min(days).toordinal() if days else 0
    hi = max(days).toordinal() if days else 1
    span = max(1, hi - lo)
    plot_w = WIDTH - left - 30
    dots = []
    colours = colour_index(lanes)
    stacked: dict[tuple[str, int], int] = defaultdict(int)
    for p, d in dated:
        x = left + (plot_w * (d.toordinal() - lo) / span if d else plot_w + 15)
        # dots of one lane on one day fan out around the lane line instead of hiding each other
        k = stacked[(lane(p), round(x))]
        stacked[(lane(p), round(x))] += 1
        y = top_pad + lane_h * lanes.index(lane(p)) + lane_h / 2
        y += min(10, 4 * ((k + 1) // 2)) * (-1 if k % 2 else 1)
        x += 3 * (k // 5)
        dots.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "cls": colours[lane(p)],
                "title": title(p),
                "href": href(p),
            }
        )
    ticks = []
    if days:
        steps = 1 if hi == lo else min(4, hi - lo)
        for i in range(steps + 1):
            o = lo + round((hi - lo) * i / max(1, steps))
            anchor = "start" if i == 0 else "end" if i == steps else "middle"
            ticks.append(
                {
                    "x": round(left + plot_w * (o - lo) / span, 1),
                    "text": date.fromordinal(o).isoformat(),
                    "anchor": anchor,
                }
            )
        if hi == lo:
            ticks = ticks[:1]
    return {
        "width": WIDTH,
        "height": height,
        "left": left,
        "dots": dots,
        "lanes": [
            {"y": round(top_pad + lane_h * i + lane_h / 2, 1), "label": name}
            for i, name in enumerate(lanes)
        ],
        "ticks": ticks,
        "axis_y": top_pad + lane_h * len(lanes) + 4,
    }


LABEL_FONT = 10  # px, the node labels' font size (svg .node-label)
CHAR_W = 0.62 * LABEL_FONT  # a generous average advance, so estimated boxes cover drawn text


def _edge_kind(kinds: Sequence[str]) -> str:
    """Copying if any link copies; rewording if only reworded; a shared quote otherwise."""
    if any(k in ("verbatim", "near-verbatim") for k in kinds):
        return "verbatim"
    if "paraphrase" in kinds:
        return "paraphrase"
    return "quote" if "quote" in kinds else "verbatim"


def _spread(xs: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Positions kept in order, at least ``gap`` apart, within [lo, hi] where they fit."""
    out = list(xs)
    for i in range(1, len(out)):
        out[i] = max(out[i], out[i - 1] + gap)
    if out and out[-1] > hi:
        out[-1] = hi
        for i in range(len(out) - 2, -1, -1):
            out[i] = min(out[i], out[i + 1] - gap)
    return [max(lo, x) for x in out]


def _place_labels(
    nodes: list[dict[str, Any]], texts: dict[int, str], blocked: Sequence[tuple[float, ...]]
) -> None:
    """Label the most important nodes first, each below or above its dot, skipping any
    label whose box would touch one already placed (or a lane name): no label overlaps."""
    placed = list(blocked)
    for i in sorted(texts, key=lambda i: -nodes[i]["weight"]):
        n, text = nodes[i], texts[i]
        w = CHAR_W * len(text) + 4
        for dy in (n["r"] + LABEL_FONT + 2, -n["r"] - 4):
            box = (n["x"] - w / 2, n["y"] + dy - LABEL_FONT, n["x"] + w / 2, n["y"] + dy + 3)
            if box[0] < blocked[0][2] or box[1] < 0:
                continue
            if all(
                box[2] <= b[0] or b[2] <= box[0] or box[3] <= b[1] or b[3] <= box[1] for b in placed
            ):
                placed.append(box)
                n["label"], n["label_y"] = text, round(n["y"] + dy, 1)
                break


def provenance_graph(
    nodes: Sequence[dict[str, Any]],
    edges: Sequence[dict[str, Any]],
    href: Callable[[str], str],
    max_nodes: int = 320,
) -> Chart | None:
    """Who took from whom, readable at hundreds of articles.

    Time runs left to right (publication time, dots in one lane pushed apart so none hide
    another), one lane per outlet with the outlets that give most text on top, so arrows
    mostly run down and right. Dots grow with the text an article gave or took; only the
    most important articles are labelled, and a label that would touch another is left to
    the dot's tooltip. Copying, rewording and a shared quote of a third party are drawn
    apart (solid, dashed, dotted).
    """
    if not edges:
        return None
    weight: dict[str, int] = defaultdict(int)
    given: dict[str, int] = defaultdict(int)
    for e in edges:
        chars = int(e["chars"] or 0)
        weight[e["source"]] += chars
        weight[e["derived"]] += chars
        given[e["source"]] += chars
    ranked = sorted(nodes, key=lambda n: (-weight.get(n["id"], 0), n["id"]))
    keep = sorted(ranked[:max_nodes], key=lambda n: (n.get("published") or "9999", n["id"]))
    if not keep:
        return None
    lane_of = {n["id"]: n.get("outlet") or "(unknown)" for n in keep}
    gives: dict[str, int] = defaultdict(int)
    for n in keep:
        gives[lane_of[n["id"]]] += given.get(n["id"], 0)
    outlets = sorted(set(lane_of.values()), key=lambda o: (-gives[o], o))
    lane_h = 56 if len(outlets) <= 8 else 40 if len(outlets) <= 16 else 34
    left, top_pad, gap = 170, 24, 14.0
    per_lane: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in keep:
        per_lane[lane_of[n["id"]]].append(n)
    plot_w = max(WIDTH - left - 30, gap * max(len(v) for v in per_lane.values()))
    width = round(left + plot_w + 30)
    times = [_when(n.get("published")) for n in keep]
    known = [t for t in times if t is not None]
    lo_t, hi_t = (min(known), max(known)) if known else (0.0, 1.0)
    when = {n["id"]: t for n, t in zip(keep, times, strict=True)}

    def time_x(node_id: str) -> float:
        t = when[node_id]
        if t is None:  # undated: at the right edge
            return left + plot_w
        return left + plot_w * ((t - lo_t) / (hi_t - lo_t) if hi_t > lo_t else 0.5)

    heaviest = max(weight.values()) or 1
    colours = colour_index(outlets)
    pos: dict[str, tuple[float, float]] = {}
    out_nodes: list[dict[str, Any]] = []
    for lane_no, outlet in enumerate(outlets):
        members = sorted(per_lane[outlet], key=lambda n: (time_x(n["id"]), n["id"]))
        xs = _spread([time_x(n["id"]) for n in members], gap, left, left + plot_w)
        y = top_pad + lane_h * lane_no + lane_h / 2
        for n, x in zip(members, xs, strict=True):
            pos[n["id"]] = (x, y)
            w = weight.get(n["id"], 0)
            out_nodes.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "r": round(4 + 4 * (w / heaviest) ** 0.5, 1),
                    "weight": w,
                    "cls": colours[outlet],
                    "href": href(n["id"]),
                    "title": (
                        f"{n.get('title') or n['id']} — {outlet}, "
                        f"{(n.get('published') or 'undated')[:16]}"
                    ),
                    "label": "",
                    "label_y": 0.0,
                    "_short": f"{(n.get('published') or '')[5:10]} "
                    f"{_clip(n.get('title') or '', 18)}".strip(),
                }
            )
    height = top_pad + lane_h * len(outlets) + 20
    lane_boxes = [(0.0, 0.0, float(left - 4), float(height))]
    # label the sources others took most from, and the heaviest takers
    important = sorted(range(len(out_nodes)), key=lambda i: -out_nodes[i]["weight"])
    _place_labels(
        out_nodes,
        {i: out_nodes[i]["_short"] for i in important[: max(12, len(out_nodes) // 4)]},
        lane_boxes,
    )
    for n in out_nodes:
        del n["_short"]
    out_edges = []
    widest = max(int(e["chars"] or 0) for e in edges) or 1
    for e in edges:
        if e["source"] not in pos or e["derived"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["source"]], pos[e["derived"]]
        bend = -24 if x2 >= x1 else 24
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2 + bend
        # stop short of the target dot so the arrowhead stays visible
        dx, dy = x2 - mx, y2 - my
        norm = max(1e-6, (dx * dx + dy * dy) ** 0.5)
        x2, y2 = x2 - 9 * dx / norm, y2 - 9 * dy / norm
        kind = _edge_kind(list(e["kinds"]))
        out_edges.append(
            {
                "d": f"M{x1:.1f},{y1:.1f} Q{mx:.1f},{my:.1f} {x2:.1f},{y2:.1f}",
                "w": round(1 + 3 * (int(e["chars"] or 0) / widest) ** 0.5, 1),
                "cls": f"e-{kind}",
                "title": f"{e['links']} passage(s), {e['chars']} characters, "
                f"{', '.join(e['kinds'])}",
            }
        )
    return {
        "width": width,
        "height": height,
        "nodes": out_nodes,
        "edges": out_edges,
        "lanes": [
            {"y": round(top_pad + lane_h * i + lane_h / 2, 1), "label": o}
            for i, o in enumerate(outlets)
        ],
        "left": left,
        "wide": width > WIDTH,
        "labelled": sum(1 for n in out_nodes if n["label"]),
        "truncated": max(0, len(nodes) - len(keep)),
    }


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _when(value: str | None) -> float | None:
    """Publication time in days (hours count when given), for placing dots in time."""
    d = calendar_date(value)
    if d is None or value is None:
        return None
    hours = 0.0
    if len(value) >= 16 and value[10] in "T ":
        try:
            hours = int(value[11:13]) + int(value[14:16]) / 60
        except ValueError:
            hours = 0.0
    return d.toordinal() + hours / 24


def value_chart(
    figures: Sequence[dict[str, Any]], href: Callable[[dict[str, Any]], str]
) -> Chart | None:
    """One group's figures over time: does the number agree, move, or clash?"""
    dated: list[tuple[dict[str, Any], date]] = []
    for f in figures:
        d = (
            calendar_date(f.get("date_start"))
            or calendar_date(f.get("as_of"))
            or calendar_date(f["meta"].get("published"))
        )
        if d is not None:
            dated.append((f, d))
    if len(dated) < 2:
        return None
    lo_d = min(d.toordinal() for _, d in dated)
    hi_d = max(d.toordinal() for _, d in dated)
    lo_v = min(float(f["value_low"]) for f, _ in dated)
    hi_v = max(float(f["value_high"]) for f, _ in dated)
    if hi_v == lo_v:
        lo_v, hi_v = lo_v - 1, hi_v + 1
    width, height, left, pad = 420, 150, 70, 16
    plot_w, plot_h = width - left - pad, height - 2 * pad - 14

    def sx(o: int) -> float:
        return left + plot_w * (o - lo_d) / max(1, hi_d - lo_d)

    def sy(v: float) -> float:
        return pad + plot_h * (1 - (v - lo_v) / (hi_v - lo_v))

    dots = []
    for f, d in sorted(dated, key=lambda fd: fd[1]):
        x = sx(d.toordinal())
        dots.append(
            {
                "x": round(x, 1),
                "y1": round(sy(float(f["value_high"])), 1),
                "y2": round(sy(float(f["value_low"])), 1),
                "title": f"{f['meta'].get('outlet') or ''} {d.isoformat()}: {f.get('text') or ''}",
                "href": href(f),
            }
        )
    return {
        "width": width,
        "height": height,
        "left": left,
        "dots": dots,
        "ticks": [{"y": round(sy(v), 1), "text": f"{v:,.0f}"} for v in (lo_v, hi_v)],
        "first": date.fromordinal(lo_d).isoformat(),
        "last": date.fromordinal(hi_d).isoformat(),
        "axis_y": pad + plot_h,
        "right": left + plot_w,
    }
