"""The report: aggregates from the views (data.py) → Altair charts (charts.py) → one HTML page (page.py),
or one chart as PNG/SVG (export.py). Every output states its source at the top (source.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # `hfscan --help` reads the enums below without loading DuckDB
    import duckdb

    from hfscan.analysis.as_of_answer import ReportEstimate


class ChartName(StrEnum):
    """The charts `report --format png|svg --chart NAME` can export (charts.CHARTS, in page order)."""

    timeline = "timeline"
    headline = "headline"
    as_of = "as_of"
    by_snapshot = "by_snapshot"
    weighted_by_snapshot = "weighted_by_snapshot"
    by_cohort = "by_cohort"
    top_models = "top_models"
    weighted = "weighted"
    breakdowns = "breakdowns"
    transitions = "transitions"
    agreement = "agreement"
    neither = "neither"
    weights_vs_loadable = "weights_vs_loadable"


class ReportFormat(StrEnum):
    html = "html"
    png = "png"
    svg = "svg"


@dataclass(frozen=True)
class ReportResult:
    out: str
    format: str
    bytes: int
    charts: list[str]
    scan_id: int
    planted: bool  # the source banner says "planted demonstration data"


def format_for(out: Path, fmt: ReportFormat | None) -> ReportFormat:
    """The output format: --format when given (it must agree with --out's extension), else the
    extension (.png, .svg; anything else is the HTML report)."""
    from hfscan.errors import UsageError

    by_suffix = {".png": ReportFormat.png, ".svg": ReportFormat.svg, ".html": ReportFormat.html,
                 ".htm": ReportFormat.html}
    implied = by_suffix.get(out.suffix.lower())
    if fmt is None:
        return implied or ReportFormat.html
    if implied is not None and implied is not fmt:
        raise UsageError(f"--format {fmt.value} but --out {out.name} ends in {out.suffix}: the file would "
                         "not be what its name says", hint=f"use --out NAME.{fmt.value}, or drop --format")
    return fmt


def build_report(con: duckdb.DuckDBPyConnection, out: Path, fmt: ReportFormat = ReportFormat.html,
                 chart: ChartName = ChartName.headline, top_n: int = 30,
                 as_of: list[ReportEstimate] | None = None) -> ReportResult:
    """Write the report (html) or one chart (png/svg); returns what was written."""
    from hfscan.errors import UsageError
    from hfscan.report import charts, data, export, page

    if fmt is not ReportFormat.html and chart is ChartName.as_of and not as_of:
        raise UsageError("--chart as_of needs at least one --as-of DATE",
                         hint="e.g. hfscan report --format svg --chart as_of --as-of 2021-12-14 --out as_of.svg")
    collected = data.collect(con, top_n=top_n, as_of=as_of)
    built = charts.build(collected)
    assert collected.source is not None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    try:
        if fmt is ReportFormat.html:
            tmp.write_text(page.render(collected, built), encoding="utf-8")
            names = list(built)
        else:
            if chart.value not in built:
                raise UsageError(f"chart {chart.value!r} has no data in this database",
                                 hint="it needs: " + charts.NEEDS.get(chart.value, "a complete scan"))
            tmp.write_bytes(export.render(built[chart.value], collected.source, fmt.value))
            names = [chart.value]
        tmp.replace(out)  # readers of a published report never see half a file
    finally:
        tmp.unlink(missing_ok=True)
    return ReportResult(str(out), fmt.value, out.stat().st_size, names, collected.scan_id, collected.source.planted)
