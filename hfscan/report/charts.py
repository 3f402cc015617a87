"""Altair charts for the report, one function per question. Input: small aggregate frames."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

import altair as alt
import polars as pl

from hfscan.analysis.shares import REFERENCE_2021, REFERENCE_2021_SHARES
from hfscan.report.data import ReportData, reference_frame

CLASS_LABELS = {"pytorch_only": "PyTorch only", "tensorflow_only": "TensorFlow only", "both": "Both",
                "neither": "Neither", "new": "New", "deleted": "Deleted"}
CLASS_ORDER = ["PyTorch only", "TensorFlow only", "Both", "Neither"]
# Colour-blind-safe (Okabe–Ito) and stable across charts.
CLASS_HUES = dict(zip(CLASS_ORDER, ["#E69F00", "#0072B2", "#009E73", "#999999"], strict=True))
# The shares' classes (neither is never in a share): a legend lists only classes a chart draws.
CLASS_COLOURS = alt.Scale(domain=CLASS_ORDER[:3], range=[CLASS_HUES[c] for c in CLASS_ORDER[:3]])


def class_colours(frame: pl.DataFrame, column: str = "class_label") -> alt.Scale:
    """The colour scale of the classes present in `frame` (same hue per class in every chart)."""
    present = set(frame[column].to_list()) if frame.height else set()
    domain = [c for c in CLASS_ORDER if c in present] or CLASS_ORDER[:3]
    return alt.Scale(domain=domain, range=[CLASS_HUES[c] for c in domain])
WIDTH = 620


def _label(frame: pl.DataFrame, column: str = "class") -> pl.DataFrame:
    """The class's label, and its rank in CLASS_ORDER: every stacked chart stacks in that one order."""
    return frame.with_columns(pl.col(column).replace(CLASS_LABELS).alias(column + "_label"),
                              pl.col(column).replace_strict(CLASS_RANK, default=len(CLASS_RANK), return_dtype=pl.Int64)
                              .alias(column + "_rank"))


CLASS_RANK = {"pytorch_only": 0, "tensorflow_only": 1, "both": 2, "neither": 3}
STACK_ORDER = alt.Order("class_rank:Q", sort="ascending")


def headline(data: ReportData) -> alt.Chart:
    rows = []
    for method, result in data.headlines.items():
        for cls in ("pytorch_only", "tensorflow_only", "both"):
            rows.append({"source": f"{method} ({data.scan_date[:10]})", "class": cls,
                         "share": result.shares[cls], "models": result.counts[cls]})
    reference = reference_frame().with_columns(pl.lit("2021 reference (AssemblyAI)").alias("source"),
                                               pl.lit(None, dtype=pl.Int64).alias("models"))
    ours = pl.DataFrame(rows, schema={"source": pl.String, "class": pl.String, "share": pl.Float64,
                                      "models": pl.Int64})
    frame = _label(pl.concat([ours, reference.select(ours.columns)]))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("source:N", title=None),
        x=alt.X("share:Q", stack="normalize", title="Share of models with PyTorch and/or TensorFlow",
                axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        order=STACK_ORDER,
        tooltip=[alt.Tooltip("source:N"), alt.Tooltip("class_label:N", title="class"),
                 alt.Tooltip("share:Q", format=".1f", title="share %"), alt.Tooltip("models:Q", format=",")],
    ).properties(title="The headline, by method, next to the 2021 figure", width=WIDTH)


AS_OF_LINE = "as of the date (hfscan timeline; band: 95% interval)"
AS_OF_SNAPSHOT = "as of the date, from the snapshot taken that day (exact)"
NAIVE = "naive: today's files by creation date"
SNAPSHOT = "complete snapshot"
IMPORTED = "complete snapshot (imported dump)"
ASSEMBLY = "AssemblyAI, 14 Dec 2021"
SERIES_SHAPES = alt.Scale(domain=[AS_OF_LINE, AS_OF_SNAPSHOT, SNAPSHOT, IMPORTED, ASSEMBLY],
                          range=["circle", "cross", "square", "triangle-up", "diamond"])
# The lead chart's two panels: PyTorch only near 80-90%, the small classes on their own scale.
PANELS = (("PyTorch only", ("pytorch_only",)), ("TensorFlow only and both", ("tensorflow_only", "both")))


def _time_frame(data: ReportData) -> pl.DataFrame:
    """One long frame for the time chart: date, class, share and its 95% interval, series."""
    schema = {"date": pl.String, "class": pl.String, "share": pl.Float64, "share_low": pl.Float64,
              "share_high": pl.Float64, "models": pl.Int64, "population": pl.Int64, "exact": pl.Boolean,
              "series": pl.String, "marker": pl.String}
    parts = []
    if data.timeline.height:
        timeline = data.timeline
        for column in ("share_low", "share_high"):  # rows stored before intervals: the point only when exact
            if column not in timeline.columns:
                timeline = timeline.with_columns(pl.lit(None, pl.Float64).alias(column))
        timeline = timeline.with_columns(
            pl.coalesce("share_low", pl.when(pl.col("complete")).then("share")).alias("share_low"),
            pl.coalesce("share_high", pl.when(pl.col("complete")).then("share")).alias("share_high"))
        # A date the snapshot taken on it answered stays on the line, with its own marker.
        from_snapshot = (pl.col("source") == "snapshot") if "source" in timeline.columns else pl.lit(False)
        parts.append(timeline.select(pl.col("day").alias("date"), "class", "share", "share_low", "share_high",
                                     "models", "population", pl.col("complete").alias("exact"),
                                     pl.lit(AS_OF_LINE).alias("series"),
                                     pl.when(from_snapshot).then(pl.lit(AS_OF_SNAPSHOT)).otherwise(pl.lit(AS_OF_LINE))
                                     .alias("marker")))
    none_f, none_i = pl.lit(None, pl.Float64), pl.lit(None, pl.Int64)
    if data.naive.height:
        parts.append(data.naive.select(pl.col("day").alias("date"), "class", "share", none_f.alias("share_low"),
                                       none_f.alias("share_high"), "models", "population",
                                       pl.lit(None, pl.Boolean).alias("exact"), pl.lit(NAIVE).alias("series")))
    snapshots = data.by_snapshot.filter(pl.col("method") == "files")
    if snapshots.height:
        parts.append(snapshots.select(
            pl.col("snapshot_at").cast(pl.String).str.slice(0, 10).alias("date"), "class", "share",
            pl.col("share").alias("share_low"), pl.col("share").alias("share_high"), "models",
            none_i.alias("population"), pl.lit(True).alias("exact"),
            (pl.when(pl.col("origin") == "imported dump").then(pl.lit(IMPORTED)).otherwise(pl.lit(SNAPSHOT))
             if "origin" in snapshots.columns else pl.lit(SNAPSHOT)).alias("series")))
    parts.append(reference_frame().select(
        pl.lit("2021-12-14").alias("date"), "class", "share", none_f.alias("share_low"), none_f.alias("share_high"),
        none_i.alias("models"), pl.lit(REFERENCE_2021.population).cast(pl.Int64).alias("population"),
        pl.lit(None, pl.Boolean).alias("exact"), pl.lit(ASSEMBLY).alias("series")))
    parts = [part if "marker" in part.columns else part.with_columns(pl.col("series").alias("marker"))
             for part in parts]
    return _label(pl.concat([part.cast(schema) for part in parts]))  # type: ignore[arg-type]


def _lead_panel(frame: pl.DataFrame, title: str, classes: tuple[str, ...], height: int) -> alt.LayerChart | alt.FacetChart:
    one_of = lambda *values: alt.FieldOneOfPredicate(field="series", oneOf=list(values))  # noqa: E731
    panel = frame.filter(pl.col("class").is_in(classes))
    x = alt.X("date:T", title="Date (end of day, UTC)", axis=alt.Axis(format="%b %Y", labelAngle=0))
    y_title = f"{title} (% of PT/TF models)"
    y = alt.Y("share:Q", title=y_title, scale=alt.Scale(zero=False, nice=True))
    colour = alt.Color("class_label:N", scale=CLASS_COLOURS, title="Class", sort=CLASS_ORDER)
    tooltip = [alt.Tooltip("marker:N", title="series"), alt.Tooltip("date:T", format="%Y-%m-%d"),
               alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".1f", title="share %"),
               alt.Tooltip("share_low:Q", format=".1f", title="95% low"),
               alt.Tooltip("share_high:Q", format=".1f", title="95% high"), alt.Tooltip("exact:N"),
               alt.Tooltip("models:Q", format=","), alt.Tooltip("population:Q", format=",", title="PT/TF models")]
    base = alt.Chart(panel).encode(x=x, color=colour, tooltip=tooltip)
    band = base.transform_filter(one_of(AS_OF_LINE)).mark_area(opacity=0.22, interpolate="linear").encode(
        y=alt.Y("share_low:Q", title=y_title, scale=alt.Scale(zero=False, nice=True)), y2="share_high:Q")
    # One dash encoding for both lines, so the legend's two line symbols are the two lines drawn.
    dash = alt.StrokeDash("series:N", title="Line", legend=alt.Legend(labelLimit=320),
                          scale=alt.Scale(domain=[AS_OF_LINE, NAIVE], range=[[1, 0], [5, 4]]))
    line = base.transform_filter(one_of(AS_OF_LINE)).mark_line(strokeWidth=2).encode(y=y, strokeDash=dash)
    # The naive estimate: thin, dashed, faded, so the eye follows the estimate, not it.
    naive = base.transform_filter(one_of(NAIVE)).mark_line(strokeWidth=1.2, opacity=0.55).encode(
        y=y, strokeDash=dash)
    # The marker legend lists only the markers this panel draws (a legend entry with no mark lies).
    present = set(panel.get_column("marker").to_list()) if panel.height else set()
    shapes = [(m, s) for m, s in zip(SERIES_SHAPES.domain, SERIES_SHAPES.range, strict=True) if m in present]
    shape = alt.Shape("marker:N", title="Marker", legend=alt.Legend(labelLimit=320),
                      scale=alt.Scale(domain=[m for m, _ in shapes], range=[s for _, s in shapes]))
    points = base.transform_filter(one_of(AS_OF_LINE, SNAPSHOT, IMPORTED, ASSEMBLY)).mark_point(
        filled=True, size=55, opacity=1).encode(y=y, shape=shape)
    layers = [band, line, naive, points]
    if "pytorch_only" in classes:  # the 2021 figure, labelled at the top edge of the panel, above the data
        rule = alt.Chart(pl.DataFrame({"date": ["2021-12-14"]})).mark_rule(color="#888", strokeDash=[2, 2]).encode(
            x="date:T")
        label = alt.Chart(pl.DataFrame({"date": ["2021-12-14"]})).mark_text(
            align="left", baseline="top", dx=4, y=2, fontWeight="bold", color="#333").encode(
            x="date:T", text=alt.value(f"AssemblyAI 2021: "
                                       f"{' / '.join(f'{v:g}' for v in REFERENCE_2021_SHARES.values())}"))
        layers += [rule, label]
    return alt.layer(*layers).properties(title=title, width=WIDTH, height=height)


def timeline(data: ReportData) -> alt.VConcatChart:
    """The report's lead: PT-only, then TF-only and both on their own scale, over time. As-of
    estimates (hfscan timeline) as lines with their 95% interval as a band (a date the snapshot
    taken on it answers: a cross, exact); complete snapshots as
    squares (imported dumps as triangles); the 2021 figure as diamonds, labelled at the panel's
    top edge; the naive estimate thin, dashed and faded."""
    frame = _time_frame(data)
    panels = [_lead_panel(frame, title, classes, 230 if len(classes) == 1 else 200) for title, classes in PANELS]
    return alt.vconcat(*panels).resolve_scale(color="shared", shape="shared", strokeDash="shared").properties(
        title="PyTorch only, TensorFlow only and both over time (files method)")


def _segments(frame: pl.DataFrame) -> pl.DataFrame:
    """A line joins two snapshots only when they are of one kind (scan or imported dump) and at most
    GAP_DAYS apart: dumps of early November are not joined to December's scans by a flat line."""
    order = (frame.select("scan_id", "snapshot_at", "origin").unique("scan_id").sort("snapshot_at", "scan_id")
             .with_columns(((pl.col("origin") != pl.col("origin").shift(1))
                            | ((pl.col("snapshot_at") - pl.col("snapshot_at").shift(1)) > timedelta(days=GAP_DAYS)))
                           .fill_null(True).cast(pl.Int64).cum_sum().alias("segment")))
    return frame.join(order.select("scan_id", "segment"), on="scan_id")


GAP_DAYS = 7
ORIGIN_SHAPES = {"live scan": "circle", "imported dump": "triangle-up"}


def _present(frame: pl.DataFrame, column: str, values: dict[str, Any]) -> alt.Scale:
    """A scale over the values of `values` that `frame` has: a legend never lists what is not drawn."""
    present = set(frame[column].to_list())
    domain = [v for v in values if v in present]
    return alt.Scale(domain=domain, range=[values[v] for v in domain])


def _per_snapshot(frame: pl.DataFrame, y_title: str, title: str, *, tooltip: list[Any]) -> alt.FacetChart:
    """One panel per method (header left out: it is a sample), one line per class over snapshot dates;
    the line breaks where snapshots change kind or are far apart; imported dumps are triangles."""
    frame = frame.filter(pl.col("method") != "header")
    if "origin" not in frame.columns:
        frame = frame.with_columns(pl.lit("live scan").alias("origin"))
    frame = _label(_segments(frame)).with_columns(
        (pl.col("class") + "/" + pl.col("segment").cast(pl.String)).alias("line"))
    base = alt.Chart().encode(
        alt.X("snapshot_at:T", title="Snapshot date", axis=DATE_AXIS),
        alt.Y("share:Q", title=y_title, scale=alt.Scale(domain=[0, 100])),
        alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        tooltip=[alt.Tooltip("snapshot_at:T", format="%Y-%m-%d", title="snapshot"), "method:N",
                 alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".2f"),
                 alt.Tooltip("origin:N", title="snapshot kind"), *tooltip])
    lines = base.mark_line().encode(detail=alt.Detail("line:N"))
    points = base.mark_point(filled=True, size=50, opacity=1).encode(
        shape=alt.Shape("origin:N", title="Snapshot", scale=_present(frame, "origin", ORIGIN_SHAPES)))
    return alt.layer(lines, points, data=frame).properties(width=WIDTH - 220, height=170).facet(
        row=alt.Row("method:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=200)),
    ).properties(title=title)


DATE_AXIS = alt.Axis(format="%Y-%m-%d", labelAngle=-35, labelOverlap="greedy", labelSeparation=4)


def by_snapshot(data: ReportData) -> alt.FacetChart:
    return _per_snapshot(
        data.by_snapshot, "% of PT/TF models",
        "Shares by snapshot, one panel per method (circles: scans; triangles: imported dumps)",
        tooltip=[alt.Tooltip("models:Q", format=","), alt.Tooltip("source:N")])


def weighted_by_snapshot(data: ReportData) -> alt.FacetChart:
    """Next to `by_snapshot`: the same classes weighted by 30-day downloads."""
    frame = data.weighted_by_snapshot
    if "origin" not in frame.columns and data.scans.height:
        origins = data.scans.select("scan_id", pl.when(pl.col("kind") == "import").then(pl.lit("imported dump"))
                                    .otherwise(pl.lit("live scan")).alias("origin"))
        frame = frame.join(origins, on="scan_id", how="left")
    return _per_snapshot(
        frame, "% of PT/TF downloads",
        "Shares of PT/TF models' 30-day downloads, by snapshot, one panel per method",
        tooltip=[alt.Tooltip("downloads:Q", format=","), alt.Tooltip("models:Q", format=",")])


def by_cohort(data: ReportData) -> alt.LayerChart:
    """Normalised bars hide size: each cohort's label carries its n, and the bar's opacity says
    whether it rests on fewer than SMALL_COHORT models."""
    frame = _label(data.by_cohort.filter(pl.col("method") == "files"))
    sizes = frame.group_by("cohort").agg(pl.col("models").sum().alias("n"))
    frame = frame.join(sizes, on="cohort").with_columns(
        (pl.col("cohort") + "  (n = " + pl.col("n").map_elements(lambda n: f"{n:,}", return_dtype=pl.String)
         + ")").alias("cohort_n"),
        pl.when(pl.col("n") < SMALL_COHORT).then(pl.lit(f"fewer than {SMALL_COHORT} models"))
        .otherwise(pl.lit(f"{SMALL_COHORT} models or more")).alias("size"))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("cohort_n:N", title="Creation quarter (n = models with PyTorch and/or TensorFlow)",
                sort=alt.EncodingSortField("cohort", order="ascending"), axis=alt.Axis(labelLimit=300)),
        x=alt.X("share:Q", stack="normalize", title="Share of PT/TF models", axis=alt.Axis(format="%", tickCount=5)),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        order=STACK_ORDER,
        opacity=alt.Opacity("size:N", title="Cohort size", scale=_present(
            frame, "size", {f"{SMALL_COHORT} models or more": 1.0, f"fewer than {SMALL_COHORT} models": 0.35})),
        tooltip=["cohort:N", alt.Tooltip("class_label:N", title="class"), alt.Tooltip("share:Q", format=".1f"),
                 alt.Tooltip("models:Q", format=","), alt.Tooltip("n:Q", format=",", title="cohort n")],
    ).properties(title="By creation cohort (files method; clamped repos without history in one bucket)",
                 width=WIDTH - 260)


SMALL_COHORT = 100


def top_models(data: ReportData) -> alt.Chart:
    frame = _label(data.top.rename({"files_class": "class"}))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("model_id:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("downloads:Q", title="Downloads (last 30 days)", axis=alt.Axis(format="~s", tickCount=5)),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class (files)", sort=CLASS_ORDER),
        tooltip=["rank:Q", "model_id:N", alt.Tooltip("downloads:Q", format=","), "library_name:N",
                 alt.Tooltip("class_label:N", title="files class"), "tags_class:N"],
    ).properties(title=f"Top {data.top.height} models by downloads", width=WIDTH - 260)


def weighted(data: ReportData) -> alt.Chart:
    frame = _label(data.weighted.filter(pl.col("class") != "neither"))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("method:N", title="Method"),
        x=alt.X("downloads:Q", stack="normalize", title="Share of downloads of PT/TF models",
                axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        order=STACK_ORDER,
        tooltip=["method:N", alt.Tooltip("class_label:N", title="class"), alt.Tooltip("downloads:Q", format=","),
                 alt.Tooltip("download_share:Q", format=".1f", title="share %")],
    ).properties(title="Download-weighted shares (30 days, latest snapshot)", width=WIDTH - 120)


def breakdowns(data: ReportData) -> alt.FacetChart:
    frame = _label(data.breakdowns)
    # `total` repeats on each class row of a value: sort by its max, not its sum (the default op).
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("value:N", sort=alt.EncodingSortField("total", op="max", order="descending"), title=None,
                axis=alt.Axis(labelLimit=220)),
        x=alt.X("models:Q", title="Models", stack=True, axis=alt.Axis(tickCount=5, format=",.0f")),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        order=STACK_ORDER,
        row=alt.Row("dimension:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left")),
        tooltip=["dimension:N", "value:N", alt.Tooltip("class_label:N", title="class"),
                 alt.Tooltip("models:Q", format=","), alt.Tooltip("total:Q", format=",")],
    ).resolve_scale(y="independent", x="independent").properties(
        title="Largest libraries, pipeline tags and authors (files method)", width=WIDTH - 340)


FROM_ORDER = [*CLASS_ORDER, "New"]
TO_ORDER = [*CLASS_ORDER, "Deleted"]


def _heatmap(frame: pl.DataFrame, x: str, y: str, x_title: str, y_title: str, scheme: Literal["blues", "greens"],
             title: str | alt.TitleParams, x_order: list[str], y_order: list[str]) -> alt.LayerChart:
    """Counts of one class pair per cell, with the number written in it (log colour: a few big cells).
    Both axes in the classes' one order, so the diagonal (no change) runs corner to corner."""
    frame = frame.with_columns(pl.col(x).replace(CLASS_LABELS), pl.col(y).replace(CLASS_LABELS))
    base = alt.Chart(frame).encode(x=alt.X(f"{x}:N", title=x_title, sort=x_order, scale=alt.Scale(domain=x_order),
                                           axis=alt.Axis(labelAngle=0, labelLimit=120)),
                                   y=alt.Y(f"{y}:N", title=y_title, sort=y_order, scale=alt.Scale(domain=y_order)))
    cells = base.mark_rect().encode(
        color=alt.Color("models:Q", scale=alt.Scale(type="log", scheme=scheme), title="Models"),
        tooltip=[f"{y}:N", f"{x}:N", alt.Tooltip("models:Q", format=",")])
    return (cells + base.mark_text().encode(text=alt.Text("models:Q", format=","))).properties(
        title=title, width=420, height=200)


def transitions(data: ReportData) -> alt.LayerChart:
    frame = data.transitions
    pair = ""
    if frame.height and "previous_day" in frame.columns:
        first = frame.row(0, named=True)
        pair = (f"from scan {first['previous_scan_id']} ({first['previous_day']}) "
                f"to scan {first['scan_id']} ({first['current_day']})")
    return _heatmap(frame, "to_class", "from_class", "Class in the later snapshot",
                    "Class in the earlier snapshot", "blues",
                    alt.TitleParams("Class transitions between the last two snapshots (files method)",
                                    subtitle=[pair] if pair else []),
                    TO_ORDER, FROM_ORDER)


def agreement(data: ReportData) -> alt.LayerChart:
    return _heatmap(data.agreement, "tags_class", "files_class", "By the Hub's tags", "By file names", "greens",
                    "Method agreement: tags vs files (latest snapshot)", CLASS_ORDER, CLASS_ORDER)


def neither(data: ReportData) -> alt.Chart:
    """By snapshot date (never by scan id): an older dump imported later sorts where it belongs;
    two snapshots of one day are two bars, each named by its scan."""
    frame = data.neither
    if "snapshot_day" not in frame.columns:
        frame = frame.with_columns(pl.col("snapshot_at").cast(pl.String).str.slice(0, 10).alias("snapshot_day"))
    frame = frame.with_columns(
        (pl.col("snapshot_day") + " (" + pl.when(pl.col("kind") == "import").then(pl.lit("dump "))
         .otherwise(pl.lit("scan ")) + pl.col("scan_id").cast(pl.String) + ")"
         if "kind" in frame.columns else pl.col("snapshot_day") + " (" + pl.col("scan_id").cast(pl.String) + ")")
        .alias("snapshot"),
        pl.struct("snapshot_at", "scan_id").rank("dense").alias("position"))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("snapshot:N", title="Snapshot (date, scan)", sort=alt.EncodingSortField("position", op="min"),
                axis=alt.Axis(labelAngle=-90, labelLimit=200)),
        y=alt.Y("models:Q", title="Models classified neither", axis=alt.Axis(format=",.0f")),
        color=alt.Color("neither_reason:N", title="Why", scale=alt.Scale(scheme="tableau20")),
        tooltip=[alt.Tooltip("snapshot:N"), "neither_reason:N", alt.Tooltip("models:Q", format=",")],
    ).properties(title="What 'neither' is made of, per snapshot (files method)", width=WIDTH - 200)


def as_of(data: ReportData) -> alt.Chart | None:
    if not data.as_of:
        return None
    rows = [{"estimate": row.label, "class": cls, "share": row.shares[cls], "models": row.counts[cls],
             "coverage": row.coverage}
            for row in data.as_of for cls in ("pytorch_only", "tensorflow_only", "both")]
    frame = _label(pl.DataFrame(rows))
    return alt.Chart(frame).mark_bar().encode(
        y=alt.Y("estimate:N", title=None),
        x=alt.X("share:Q", stack="normalize", title="Share of PT/TF models", axis=alt.Axis(format="%")),
        color=alt.Color("class_label:N", scale=class_colours(frame), title="Class", sort=CLASS_ORDER),
        order=STACK_ORDER,
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
        y=alt.Y("label:N", title=None, sort=list(LOADABLE_MEASURES.values()), axis=alt.Axis(labelLimit=0)),
        x=alt.X("count:Q", title="Models", axis=alt.Axis(format=",.0f", tickCount=5)),
        row=alt.Row("snapshot:N", title=None, sort="ascending",
                    header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=0)),
        color=alt.Color("label:N", legend=None, sort=list(LOADABLE_MEASURES.values()),
                        scale=alt.Scale(range=["#0072B2", "#009E73", "#56B4E9", "#999999"])),
        tooltip=["snapshot:N", alt.Tooltip("label:N", title="measure"), alt.Tooltip("count:Q", format=","),
                 alt.Tooltip("models:Q", format=",", title="models in snapshot")],
    ).properties(title="Ships TensorFlow weights vs can be loaded from TensorFlow", width=WIDTH - 380)


# Why a chart can be missing from a database (for the export's refusal).
NEEDS = {"as_of": "`--as-of DATE` (after `hfscan history --as-of DATE`)",
         "weights_vs_loadable": "a snapshot with model configs (a scan; `hfscan classify`)",
         "transitions": "two complete snapshots"}

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
