"""Each chart tells the truth about its data: read from the chart as Vega lays it
out (vl-convert's scenegraph), on small frames made to expose each defect."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from hfscan.report import charts
from hfscan.report.data import ReportData

EMPTY = pl.DataFrame()


def data(**frames: Any) -> ReportData:
    base: dict[str, Any] = dict(scan_id=1, scan_date="2026-12-02", headlines={}, by_snapshot=EMPTY, by_cohort=EMPTY,
                                top=EMPTY, weighted=EMPTY, breakdowns=EMPTY, transitions=EMPTY, agreement=EMPTY,
                                neither=EMPTY, scans=EMPTY)
    base.update(frames)
    return ReportData(**base)


def labels(chart: alt.TopLevelMixin, role: str = "axis-label") -> list[tuple[str, float, float]]:
    """(text, x, y) of every item of `role`, in absolute coordinates, as Vega lays the chart out."""
    found: list[tuple[str, float, float]] = []

    def walk(mark: dict, dx: float, dy: float) -> None:
        for item in mark.get("items", []):
            if mark.get("role") == role and "text" in item:
                found.append((str(item["text"]), dx + item.get("x", 0), dy + item.get("y", 0)))
            if mark.get("marktype") == "group":
                for child in item.get("items", []):
                    walk(child, dx + item.get("x", 0), dy + item.get("y", 0))

    walk(vl_convert.vegalite_to_scenegraph(chart.to_dict())["scenegraph"], 0, 0)
    return found


def in_order(found: list[tuple[str, float, float]], axis: int) -> list[str]:
    return [text for text, *_ in sorted(found, key=lambda f: f[axis])]


def test_authors_sort_by_their_real_total_not_the_sum_over_class_rows() -> None:
    """skops-ci: 10 models in 4 classes (a sum of `total` over its rows gave 40); ghadeermobasher 14 in one."""
    rows = [("author", "ghadeermobasher", "pytorch_only", 14, 14)] + [
        ("author", "skops-ci", cls, n, 10) for cls, n in
        (("pytorch_only", 4), ("tensorflow_only", 3), ("both", 2), ("neither", 1))]
    frame = pl.DataFrame(rows, schema=["dimension", "value", "class", "models", "total"], orient="row")
    found = [f for f in labels(charts.breakdowns(data(breakdowns=frame))) if f[0] in ("ghadeermobasher", "skops-ci")]
    assert in_order(found, 2) == ["ghadeermobasher", "skops-ci"]


def test_the_neither_chart_runs_by_snapshot_date_not_scan_id() -> None:
    """Scan 7 is a dump of November imported after scan 2 of December."""
    frame = pl.DataFrame({"scan_id": [2, 7], "snapshot_at": [datetime(2026, 12, 2), datetime(2026, 11, 1)],
                          "neither_reason": ["gguf", "gguf"], "models": [5, 4], "kind": ["full", "import"]})
    frame = frame.with_columns(pl.col("snapshot_at").dt.strftime("%Y-%m-%d").alias("snapshot_day"))
    found = [f for f in labels(charts.neither(data(neither=frame))) if "(" in f[0]]
    assert in_order(found, 1) == ["2026-11-01 (dump 7)", "2026-12-02 (scan 2)"]


def _snapshots() -> pl.DataFrame:
    """Three daily dumps in early November, two scans in December (one scan id out of date order)."""
    rows = []
    for scan_id, day, origin in ((3, datetime(2026, 11, 1), "imported dump"), (4, datetime(2026, 11, 2), "imported dump"),
                                 (5, datetime(2026, 11, 3), "imported dump"), (1, datetime(2026, 12, 1), "live scan"),
                                 (6, datetime(2026, 12, 2), "live scan")):
        for cls, share in (("pytorch_only", 90.0), ("tensorflow_only", 6.0), ("both", 4.0)):
            rows.append({"scan_id": scan_id, "snapshot_at": day, "method": "files", "class": cls, "models": 10,
                         "share": share, "origin": origin, "source": "x"})
    return pl.DataFrame(rows)


def test_imports_are_not_joined_to_later_scans_and_are_marked() -> None:
    spec = charts.by_snapshot(data(by_snapshot=_snapshots())).to_dict()
    rows = next(iter(spec["datasets"].values()))
    lines_of = {origin: {r["line"] for r in rows if r["origin"] == origin} for origin in ("imported dump", "live scan")}
    assert not lines_of["imported dump"] & lines_of["live scan"]  # no line from a dump to a scan
    assert len({r["line"] for r in rows if r["origin"] == "imported dump" and r["class"] == "both"}) == 1
    layer = spec["spec"]["layer"]
    assert layer[0]["mark"]["type"] == "line" and layer[0]["encoding"]["detail"]["field"] == "line"
    assert layer[1]["encoding"]["shape"]["field"] == "origin"  # dumps drawn as their own marker
    assert "strokeDash" not in str(spec)  # the method is a panel, not a dash the legend cannot draw


def test_every_stacked_chart_stacks_classes_in_one_order() -> None:
    def stack_orders(spec: Any) -> list[str]:
        found = []
        if isinstance(spec, dict):
            encoding = spec.get("encoding", {})
            if encoding.get("color", {}).get("field") == "class_label" and "order" in encoding:
                found.append(encoding["order"]["field"])
            for value in spec.values():
                found += stack_orders(value)
        elif isinstance(spec, list):
            for value in spec:
                found += stack_orders(value)
        return found

    headline_rows = {"pytorch_only": 80.0, "tensorflow_only": 12.0, "both": 8.0}
    headlines = {"files": SimpleNamespace(shares=headline_rows, counts={k: 1 for k in headline_rows})}
    cohort = pl.DataFrame({"method": ["files"] * 3, "cohort": ["2021-Q1"] * 3,
                           "class": list(headline_rows), "models": [5, 3, 2], "share": list(headline_rows.values())})
    weighted = pl.DataFrame({"method": ["files"] * 3, "class": list(headline_rows), "models": [1, 2, 3],
                             "downloads": [10, 20, 30], "downloads_all_time": [1, 2, 3], "download_share": [1.0, 2.0, 3.0]})
    built = [charts.headline(data(headlines=headlines)), charts.by_cohort(data(by_cohort=cohort)),
             charts.weighted(data(weighted=weighted))]
    assert [stack_orders(c.to_dict()) for c in built] == [["class_rank"]] * 3


def test_cohorts_of_5_and_5000_models_look_different() -> None:
    frame = pl.DataFrame({"method": ["files"] * 6, "cohort": ["2019-Q1"] * 3 + ["2024-Q1"] * 3,
                          "class": ["pytorch_only", "tensorflow_only", "both"] * 2,
                          "models": [3, 1, 1, 4000, 600, 400], "share": [60.0, 20.0, 20.0, 80.0, 12.0, 8.0]})
    chart = charts.by_cohort(data(by_cohort=frame))
    texts = [t for t, *_ in labels(chart)]
    assert "2019-Q1  (n = 5)" in texts and "2024-Q1  (n = 5,000)" in texts
    legend = [t for t, *_ in labels(chart, "legend-label")]
    assert any("fewer than" in t for t in legend)  # small cohorts are drawn faded, and the legend says so


def test_transitions_name_their_two_snapshots_and_keep_the_diagonal() -> None:
    rows = [("pytorch_only", "pytorch_only", 50), ("tensorflow_only", "tensorflow_only", 5), ("both", "both", 3),
            ("neither", "neither", 9), ("pytorch_only", "deleted", 2), ("new", "both", 1), ("new", "pytorch_only", 4)]
    frame = pl.DataFrame(rows, schema=["from_class", "to_class", "models"], orient="row").with_columns(
        pl.lit(6).alias("scan_id"), pl.lit(2).alias("previous_scan_id"), pl.lit("2026-12-02").alias("current_day"),
        pl.lit("2026-11-25").alias("previous_day"))
    chart = charts.transitions(data(transitions=frame))
    assert "from scan 2 (2026-11-25) to scan 6 (2026-12-02)" in str(chart.to_dict()["title"])
    found = labels(chart)
    columns = in_order([f for f in found if f[0] in charts.TO_ORDER and f[1] >= 0], 1)
    rows_ = in_order([f for f in found if f[0] in charts.FROM_ORDER and f[1] < 0], 2)
    assert columns == charts.TO_ORDER and rows_ == charts.FROM_ORDER  # Deleted and New come last


def test_the_weights_vs_loadable_labels_are_not_truncated() -> None:
    frame = pl.DataFrame({"scan_id": [1], "snapshot_at": [datetime(2026, 12, 2)], "models": [100],
                          **{measure: [5] for measure in charts.LOADABLE_MEASURES}})
    chart = charts.weights_vs_loadable(data(weights_vs_loadable=frame))
    assert chart is not None
    limits: list[tuple[str, float]] = []

    def walk(mark: dict) -> None:  # Vega cuts a label at its `limit` (px) with "…" when it draws it
        for item in mark.get("items", []):
            if mark.get("role") in ("axis-label", "column-header", "row-header") and "text" in item:
                limits.append((str(item["text"]), item.get("limit", 0)))
            if mark.get("marktype") == "group":
                for child in item.get("items", []):
                    walk(child)

    walk(vl_convert.vegalite_to_scenegraph(chart.to_dict())["scenegraph"])
    assert set(charts.LOADABLE_MEASURES.values()) <= {t for t, _ in limits}
    words = [(t, limit) for t, limit in limits if t in charts.LOADABLE_MEASURES.values() or "(scan" in t]
    assert [t for t, limit in words if limit] == []  # no measure or snapshot label has a width to be cut at


def test_a_legend_lists_only_classes_the_chart_draws() -> None:
    top = pl.DataFrame({"rank": [1, 2], "model_id": ["a/b", "c/d"], "downloads": [10, 5], "library_name": ["x", "y"],
                        "files_class": ["pytorch_only", "both"], "tags_class": ["pytorch_only", "both"]})
    legend = [t for t, *_ in labels(charts.top_models(data(top=top)), "legend-label")]
    assert legend == ["PyTorch only", "Both"]


def test_svg_of_a_model_id_with_control_characters_is_valid_xml(tmp_path: Path) -> None:
    from xml.etree import ElementTree

    from hfscan.report.export import render
    from hfscan.report.source import Provenance

    top = pl.DataFrame({"rank": [1], "model_id": ["a/b\x00\x1b[31mc"], "downloads": [10], "library_name": ["x"],
                        "files_class": ["pytorch_only"], "tags_class": ["pytorch_only"]})
    svg = render(charts.top_models(data(top=top)), Provenance((), "0", "now"), "svg")
    ElementTree.fromstring(svg)  # parses: no NUL or escape reached the file
    assert b"a/b\xef\xbf\xbd\xef\xbf\xbd[31mc" in svg
