"""Altair charts for the report, one function per question. Input: small aggregate frames."""

from __future__ import annotations

from typing import Any, Literal

import altair as alt
import polars as pl

from hfscan.analysis.shares import REFERENCE_2021, REFERENCE_2021_SHARES
from hfscan.report.data import ReportData, reference_frame

CLASS_LABELS = {"pytorch_only": "PyTorch only", "tensorflow_only": "TensorFlow only", "both": "Both",
                "neither": "Neither", "new": "New", "deleted": "Deleted"}
CLASS_ORDER = ["PyTorch only", "TensorFlow only", "Both", "Neither"]
# Colour-blind-safe (Okabe–Ito) and stable across charts.
CLASS_COLOURS = alt.Scale(domain=CLASS_ORDER, range=["#E69F00", "#0072B2", "#009E73", "#999999"])
WIDTH = 620


def _label(frame: pl.DataFrame, column: str = "class") -> pl.DataFrame:
    return frame.with_columns(pl.col(column).replace(CLASS_LABELS).alias(column + "_label"))


def headline(data: ReportData) -> alt.Chart:
    rows = []
    for method, result in data.headlines.items():
        for cls in ("pytorch_only", "tensorflow_only", "both"):
            rows.append({"source": f"{method} ({data.scan_date[:10]})", "class": cls,
                         "share": result["shares"][cls], "models": result["counts"][cls]})
    reference = reference_frame().with_columns(pl.lit("2021 reference (AssemblyAI)").alias("source"),
                                               pl.lit(None, dtype=pl.Int64).alias("models"))
    ours = pl.DataFrame(rows, schema={"source": pl.String, "class": pl.String, "share": pl.Float64,
                                      "models": pl.Int64})
    frame = _label(pl.concat([ours, reference.select(ours.columns)]))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("source:N", title=None),
        x=alt.X("share:Q", stack="normalize", title="Share of models with PyTorch and/or TensorFlow",
                axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        order=alt.Order("class:N"),
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("class_label:N", title="class"),
                 alt.Tooltip("share:Q", format=".1f", title="share %"), alt.Tooltip("models:Q", format=",")],
    ).properties(title="The headline, by method, next to the 2021 figure", width=WIDTH)


AS_OF_LINE = "as of the date (history, complete)"
AS_OF_PARTIAL = "as of the date, PARTIAL (coverage < 100%)"
NAIVE = "naive: today's files by creation date"
SNAPSHOT = "complete snapshot"
IMPORTED = "complete snapshot (imported dump)"
ASSEMBLY = "AssemblyAI, 14 Dec 2021"
SERIES_SHAPES = alt.Scale(domain=[AS_OF_LINE, AS_OF_PARTIAL, SNAPSHOT, IMPORTED, ASSEMBLY],
                          range=["circle", "triangle-down", "square", "triangle-up", "diamond"])


def _time_frame(data: ReportData) -> pl.DataFrame:
    """One long frame for the time chart: date, class, share, series, coverage (NULL: not an as-of)."""
    schema = {"date": pl.String, "class": pl.String, "share": pl.Float64, "models": pl.Int64,
              "population": pl.Int64, "coverage": pl.Float64, "missing": pl.Int64, "series": pl.String,
              "segment": pl.Int64}
    parts = []
    if data.timeline.height:
        # The line breaks at every partial date: complete dates on either side are separate segments.
        segments = (data.timeline.select("day", "complete").unique("day").sort("day")
                    .with_columns((~pl.col("complete")).cast(pl.Int64).cum_sum().alias("segment")).drop("complete"))
        parts.append(data.timeline.join(segments, on="day").select(
            pl.col("day").alias("date"), "class", "share", "models", "population", "coverage", "missing",
            pl.when(pl.col("complete")).then(pl.lit(AS_OF_LINE)).otherwise(pl.lit(AS_OF_PARTIAL)).alias("series"),
            "segment"))
    if data.naive.height:
        parts.append(data.naive.select(pl.col("day").alias("date"), "class", "share", "models", "population",
                                       pl.lit(None, pl.Float64).alias("coverage"), pl.lit(None, pl.Int64).alias("missing"),
                                       pl.lit(NAIVE).alias("series")))
    snapshots = data.by_snapshot.filter(pl.col("method") == "files")
    if snapshots.height:
        parts.append(snapshots.select(
            pl.col("snapshot_at").cast(pl.String).str.slice(0, 10).alias("date"), "class", "share", "models",
            pl.lit(None, pl.Int64).alias("population"), pl.lit(1.0).alias("coverage"), pl.lit(0, pl.Int64).alias("missing"),
            (pl.when(pl.col("origin") == "imported dump").then(pl.lit(IMPORTED)).otherwise(pl.lit(SNAPSHOT))
             if "origin" in snapshots.columns else pl.lit(SNAPSHOT)).alias("series")))
    parts.append(reference_frame().select(
        pl.lit("2021-12-14").alias("date"), "class", "share", pl.lit(None, pl.Int64).alias("models"),
        pl.lit(REFERENCE_2021["population"]).cast(pl.Int64).alias("population"),
        pl.lit(None, pl.Float64).alias("coverage"), pl.lit(None, pl.Int64).alias("missing"),
        pl.lit(ASSEMBLY).alias("series")))
    parts = [part if "segment" in part.columns else part.with_columns(pl.lit(0).alias("segment")) for part in parts]
    return _label(pl.concat([part.cast(schema) for part in parts]))  # type: ignore[arg-type]


def timeline(data: ReportData) -> alt.LayerChart | alt.FacetChart:
    """The report's lead: PT-only / TF-only / both over time. As-of reconstructions (hfscan timeline)
    as a line through complete dates only; partial dates as hollow triangles off the line; complete
    snapshots as squares (imported dumps as triangles); the 2021 figure as labelled diamonds; the naive estimate dashed."""
    frame = _time_frame(data)
    one_of = lambda *values: alt.FieldOneOfPredicate(field="series", oneOf=list(values))  # noqa: E731
    base = alt.Chart(frame).encode(
        x=alt.X("date:T", title="Date (end of day, UTC)", axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y("share:Q", title="Share of models with PyTorch and/or TensorFlow (%)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        tooltip=[alt.Tooltip("series:N"), alt.Tooltip("date:T", format="%Y-%m-%d"),
                 alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".1f", title="share %"),
                 alt.Tooltip("models:Q", format=","), alt.Tooltip("population:Q", format=",", title="PT/TF models"),
                 alt.Tooltip("coverage:Q", format=".2%"), alt.Tooltip("missing:Q", format=",", title="repos unknown")])
    lines = base.transform_filter(one_of(AS_OF_LINE, NAIVE)).mark_line().encode(
        detail=alt.Detail("segment:N"),
        strokeDash=alt.StrokeDash("series:N", title="Line", legend=alt.Legend(labelLimit=320), scale=alt.Scale(domain=[AS_OF_LINE, NAIVE],
                                                                          range=[[1, 0], [6, 4]])))
    shape = alt.Shape("series:N", title="Marker", scale=SERIES_SHAPES, legend=alt.Legend(labelLimit=320))
    points = base.transform_filter(one_of(AS_OF_LINE, SNAPSHOT, IMPORTED, ASSEMBLY)).mark_point(
        filled=True, size=70, opacity=1).encode(shape=shape)
    partial = base.transform_filter(one_of(AS_OF_PARTIAL)).mark_point(
        filled=False, size=110, strokeWidth=2, strokeDash=[2, 2]).encode(shape=shape)
    label = base.transform_filter(
        alt.datum["series"] == ASSEMBLY).transform_filter(alt.datum["class"] == "pytorch_only").mark_text(
        align="left", dx=9, dy=-9, fontWeight="bold", color="#333").encode(
        text=alt.value(f"AssemblyAI 2021: {' / '.join(f'{v:g}' for v in REFERENCE_2021_SHARES.values())}"))
    return alt.layer(lines, points, partial, label).properties(
        title="PyTorch only, TensorFlow only and both over time (files method)", width=WIDTH, height=340)


def _per_snapshot(frame: pl.DataFrame, y_title: str, title: str, *extra: Any, tooltip: list[Any]) -> alt.Chart:
    """One line per class and method over the snapshots (header left out: it is a sample)."""
    return alt.Chart(_label(frame.filter(pl.col("method") != "header"))).mark_line(point=True).encode(
        alt.X("snapshot_at:T", title="Scan date"),
        alt.Y("share:Q", title=y_title),
        alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class"),
        alt.StrokeDash("method:N", title="Method"),
        *extra,
        tooltip=["scan_id:Q", "method:N", alt.Tooltip("class_label:N", title="class"),
                 alt.Tooltip("share:Q", format=".2f"), *tooltip],
    ).properties(title=title, width=WIDTH)


def by_snapshot(data: ReportData) -> alt.Chart:
    return _per_snapshot(
        data.by_snapshot, "Share of PT/TF models (%)",
        "Shares by snapshot (one point per complete scan; triangles: imported dumps)",
        alt.Shape("origin:N", title="Snapshot", scale=alt.Scale(domain=["live scan", "imported dump"],
                                                                 range=["circle", "triangle-up"])),
        tooltip=[alt.Tooltip("models:Q", format=","), alt.Tooltip("origin:N", title="snapshot"),
                 alt.Tooltip("source:N")])


def weighted_by_snapshot(data: ReportData) -> alt.Chart:
    """Next to `by_snapshot`: the same classes weighted by 30-day downloads."""
    return _per_snapshot(
        data.weighted_by_snapshot, "Share of PT/TF models' 30-day downloads (%)",
        "Shares weighted by downloads, by snapshot",
        tooltip=[alt.Tooltip("downloads:Q", format=","), alt.Tooltip("models:Q", format=",")])


def by_cohort(data: ReportData) -> alt.Chart:
    frame = _label(data.by_cohort.filter(pl.col("method") == "files"))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("cohort:N", title="Creation quarter", sort="ascending"),
        y=alt.Y("share:Q", stack="normalize", title="Share of PT/TF models", axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        tooltip=["cohort:N", alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".1f"),
                 alt.Tooltip("models:Q", format=",")],
    ).properties(title="By creation cohort (files method; clamped repos without history in one bucket)",
                 width=WIDTH)


def top_models(data: ReportData) -> alt.Chart:
    frame = _label(data.top.rename({"files_class": "class"}))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("model_id:N", sort="-x", title=None),
        x=alt.X("downloads:Q", title="Downloads (last 30 days)", axis=alt.Axis(format="~s")),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class (files)", sort=CLASS_ORDER),
        tooltip=["rank:Q", "model_id:N", alt.Tooltip("downloads:Q", format=","), "library_name:N",
                 alt.Tooltip("class_label:N", title="files class"), "tags_class:N"],
    ).properties(title=f"Top {data.top.height} models by downloads", width=WIDTH)


def weighted(data: ReportData) -> alt.Chart:
    frame = _label(data.weighted.filter(pl.col("class") != "neither"))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("method:N", title="Method"),
        x=alt.X("downloads:Q", stack="normalize", title="Share of downloads of PT/TF models",
                axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        tooltip=["method:N", alt.Tooltip("class_label:N", title="class"), alt.Tooltip("downloads:Q", format=","),
                 alt.Tooltip("download_share:Q", format=".1f", title="share %")],
    ).properties(title="Download-weighted shares (30 days)", width=WIDTH)


def breakdowns(data: ReportData) -> alt.Chart:
    frame = _label(data.breakdowns)
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("value:N", sort=alt.EncodingSortField("total", order="descending"), title=None),
        x=alt.X("models:Q", title="Models", stack=True),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        row=alt.Row("dimension:N", title=None),
        tooltip=["dimension:N", "value:N", alt.Tooltip("class_label:N", title="class"),
                 alt.Tooltip("models:Q", format=",")],
    ).resolve_scale(y="independent", x="independent").properties(
        title="Largest libraries, pipeline tags and authors (files method)", width=WIDTH - 120)


def _heatmap(frame: pl.DataFrame, x: str, y: str, x_title: str, y_title: str, scheme: Literal["blues", "greens"],
             title: str) -> alt.LayerChart:
    """Counts of one class pair per cell, with the number written in it (log colour: a few big cells)."""
    frame = frame.with_columns(pl.col(x).replace(CLASS_LABELS), pl.col(y).replace(CLASS_LABELS))
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:N", title=x_title), y=alt.Y(f"{y}:N", title=y_title))
    cells = base.mark_rect().encode(
        color=alt.Color("models:Q", scale=alt.Scale(type="log", scheme=scheme), title="Models"),
        tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip("models:Q", format=",")])
    return (cells + base.mark_text().encode(text=alt.Text("models:Q", format=","))).properties(
        title=title, width=360, height=240)


def transitions(data: ReportData) -> alt.LayerChart:
    return _heatmap(data.transitions, "to_class", "from_class", "Class in the latest scan",
                    "Class in the previous scan", "blues",
                    "Class transitions between the last two scans (files method)")


def agreement(data: ReportData) -> alt.LayerChart:
    return _heatmap(data.agreement, "tags_class", "files_class", "By the Hub's tags", "By file names", "greens",
                    "Method agreement: tags vs files (latest scan)")


def neither(data: ReportData) -> alt.Chart:
    return alt.Chart(data.neither).mark_bar().encode(
        x=alt.X("scan_id:O", title="Scan"),
        y=alt.Y("models:Q", title="Models classified neither"),
        color=alt.Color("neither_reason:N", title="Why", scale=alt.Scale(scheme="tableau20")),
        tooltip=["scan_id:O", "neither_reason:N", alt.Tooltip("models:Q", format=",")],
    ).properties(title="What 'neither' is made of, per scan (files method)", width=WIDTH)


def as_of(data: ReportData) -> alt.Chart | None:
    if not data.as_of:
        return None
    rows = [{"estimate": row["label"], "class": cls, "share": row["shares"][cls], "models": row["counts"][cls],
             "coverage": row.get("coverage")}
            for row in data.as_of for cls in ("pytorch_only", "tensorflow_only", "both")]
    frame = _label(pl.DataFrame(rows))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("estimate:N", title=None),
        x=alt.X("share:Q", stack="normalize", title="Share of PT/TF models", axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER),
        tooltip=["estimate:N", alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".1f"),
                 alt.Tooltip("models:Q", format=","), alt.Tooltip("coverage:Q", format=".2%")],
    ).properties(title="As of a date (history) vs the naive estimate (today's files, clamped dates)", width=WIDTH)


LOADABLE_MEASURES = {
    "tf_weights": "Has TF weights (files)",
    "tf_loadable_direct": "Loads from TF directly (transformers 4.57)",
    "tf_loadable_opt_in": "Loads from TF only with from_pt=True (4.57)",
    "tf_loadable_v5": "Loads from TF (transformers 5)",
}


def weights_vs_loadable(data: ReportData) -> alt.Chart | None:
    """Has TF weights vs loadable from TF (method loadable), per snapshot that asked for configs."""
    frame = data.weights_vs_loadable
    if frame.is_empty():
        return None
    long = frame.select(["scan_id", "snapshot_at", "models", *LOADABLE_MEASURES]).unpivot(
        index=["scan_id", "snapshot_at", "models"], on=list(LOADABLE_MEASURES), variable_name="measure",
        value_name="count").with_columns(
        pl.col("measure").replace(LOADABLE_MEASURES).alias("label"),
        (pl.col("snapshot_at").cast(pl.String).str.slice(0, 10) + " (scan " + pl.col("scan_id").cast(pl.String)
         + ")").alias("snapshot"))
    return alt.Chart(long).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=list(LOADABLE_MEASURES.values())),
        x=alt.X("count:Q", title="Models"),
        row=alt.Row("snapshot:N", title=None),
        color=alt.Color("label:N", legend=None, sort=list(LOADABLE_MEASURES.values()),
                        scale=alt.Scale(range=["#0072B2", "#009E73", "#56B4E9", "#999999"])),
        tooltip=["snapshot:N", alt.Tooltip("label:N", title="measure"), alt.Tooltip("count:Q", format=","),
                 alt.Tooltip("models:Q", format=",", title="models in snapshot")],
    ).properties(title="Ships TensorFlow weights vs can be loaded from TensorFlow", width=WIDTH - 120)


CHARTS = {
    "timeline": timeline, "headline": headline, "as_of": as_of, "by_snapshot": by_snapshot,
    "weighted_by_snapshot": weighted_by_snapshot, "by_cohort": by_cohort,
    "top_models": top_models, "weighted": weighted, "breakdowns": breakdowns, "transitions": transitions,
    "agreement": agreement, "neither": neither, "weights_vs_loadable": weights_vs_loadable,
}


def build(data: ReportData) -> dict[str, alt.TopLevelSpec]:
    charts: dict[str, alt.TopLevelSpec] = {}
    for name, make in CHARTS.items():
        chart = make(data)
        if chart is not None:
            charts[name] = chart
    return charts
