"""Server-side chart geometry: gaps stay visible, long spans fold into months, arrows stay put."""

from __future__ import annotations

from wiretrace.web import charts


def test_publication_bars_fill_gaps_and_stack_outlets() -> None:
    rows = [
        {"day": "2031-03-01", "outlet": "A", "n": 2},
        {"day": "2031-03-01", "outlet": "B", "n": 1},
        {"day": "2031-03-04", "outlet": "A", "n": 1},
    ]
    chart = charts.publication_bars(rows)
    assert chart is not None and chart["unit"] == "day" and chart["top"] == 3
    assert len({b["x"] for b in chart["bars"]}) == 2 and len(chart["bars"]) == 3
    # four day slots (01..04) even though only two days have articles
    xs = sorted({b["x"] for b in chart["bars"]})
    slot = xs[1] - xs[0]
    assert abs(slot - 3 * (charts.WIDTH - 50) / 4) < 1
    assert [item["label"] for item in chart["legend"]] == ["A", "B"]
    assert charts.publication_bars([{"day": None, "outlet": "A", "n": 1}]) is None


def test_long_spans_fold_into_months() -> None:
    rows = [
        {"day": "2030-01-15", "outlet": "A", "n": 1},
        {"day": "2030-12-01", "outlet": "A", "n": 4},
    ]
    chart = charts.publication_bars(rows)
    assert chart is not None and chart["unit"] == "month"
    assert len(chart["bars"]) == 2 and chart["top"] == 4


def test_provenance_graph_keeps_the_heaviest_articles_and_draws_kinds_apart() -> None:
    nodes = [
        {
            "id": f"{i:02x}",
            "outlet": "AB"[i % 2],
            "published": f"2031-03-0{i + 1}",
            "title": f"t{i}",
        }
        for i in range(5)
    ]
    edges = [
        {"source": "00", "derived": "01", "links": 2, "chars": 300, "kinds": ["verbatim"]},
        {"source": "00", "derived": "03", "links": 1, "chars": 30, "kinds": ["paraphrase"]},
        {"source": "01", "derived": "02", "links": 1, "chars": 20, "kinds": ["quote"]},
    ]
    graph = charts.provenance_graph(nodes, edges, lambda i: f"/articles/{i}", max_nodes=4)
    assert graph is not None and graph["truncated"] == 1  # "04" links nothing: left out
    assert [e["cls"] for e in graph["edges"]] == ["e-verbatim", "e-paraphrase", "e-quote"]
    assert graph["edges"][0]["w"] == 4.0 and len(graph["lanes"]) == 2
    # the lane of the outlet that gave most text comes first
    assert graph["lanes"][0]["label"] == "A"
    assert charts.provenance_graph(nodes, [], str) is None


def test_graph_labels_never_overlap_at_hundreds_of_articles() -> None:
    """Estimated label boxes (the browser test measures the drawn ones) stay apart."""
    nodes = [
        {
            "id": f"{i:03x}",
            "outlet": f"o{i % 17}",
            "published": f"2031-03-{1 + i % 28:02d}",
            "title": f"A rather long title number {i}",
        }
        for i in range(300)
    ]
    edges = [
        {
            "source": f"{i:03x}",
            "derived": f"{(i * 7 + 1) % 300:03x}",
            "links": 1,
            "chars": 50 + i,
            "kinds": ["verbatim"],
        }
        for i in range(300)
    ]
    graph = charts.provenance_graph(nodes, edges, str)
    assert graph is not None and len(graph["nodes"]) == 300
    boxes = []
    for n in graph["nodes"]:
        if n["label"]:
            w = charts.CHAR_W * len(n["label"]) + 4
            boxes.append((n["x"] - w / 2, n["label_y"] - 10, n["x"] + w / 2, n["label_y"] + 3))
    assert len(boxes) >= 12
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], (a, b)


def test_lane_chart_single_day_has_one_tick() -> None:
    points = [{"o": "A", "d": "2031-03-05"}, {"o": "B", "d": "2031-03-05"}]
    chart = charts.lane_chart(points, lambda p: p["o"], lambda p: p["d"], str, lambda p: "#")
    assert chart is not None and [t["text"] for t in chart["ticks"]] == ["2031-03-05"]
    assert len(chart["lanes"]) == 2 and len(chart["dots"]) == 2


def test_lane_chart_fans_out_dots_of_one_day() -> None:
    points = [{"o": "A", "d": "2031-03-05"}] * 3 + [{"o": "A", "d": "2031-03-09"}]
    chart = charts.lane_chart(points, lambda p: p["o"], lambda p: p["d"], str, lambda p: "#")
    assert chart is not None
    same_day = [(d["x"], d["y"]) for d in chart["dots"][:3]]
    assert len(set(same_day)) == 3  # none hides another
    lane_y = chart["lanes"][0]["y"]
    assert all(abs(y - lane_y) <= 10 for _, y in same_day)
