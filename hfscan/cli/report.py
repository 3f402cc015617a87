"""`hfscan report`: the self-contained HTML report, or one chart as PNG/SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, ReportFormat, emit, open_db, writable_output


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("reports/hfscan-report.html"),
    output_format: Annotated[ReportFormat, typer.Option(
        "--format", "-f", help="html (the whole report), png or svg (one chart).")] = ReportFormat.HTML,
    chart: Annotated[str, typer.Option("--chart", help="For png/svg: headline, by_snapshot, by_cohort, top_models, "
                                       "weighted, breakdowns, transitions, agreement, neither, as_of.")] = "headline",
    top: Annotated[int, typer.Option("--top", min=1, max=500, help="How many models in the top-N chart.")] = 30,
    as_of: Annotated[list[str] | None, typer.Option("--as-of", help="Add an as-of estimate for this date "
                                                    "(needs `hfscan history --as-of DATE`). Repeatable.")] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Draw as-of estimates whose coverage is incomplete (labelled, with a caveat) "
                          "instead of refusing.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the report: headline vs 2021, snapshots, cohorts, top-N, breakdowns, transitions, methods.

    The HTML file opens offline (Vega is inlined); its size does not grow with the number of models.

    Example: hfscan report --out reports/hfscan-report.html
    """
    from hfscan.report import build_report

    writable_output(out)
    with open_db(db) as con:
        estimates = None
        if as_of:
            from hfscan.analysis.history import as_of_estimates
            from hfscan.cli.shares import refuse_incomplete

            estimates = as_of_estimates(con, as_of)
            if not partial:
                refuse_incomplete(con, estimates)
        result = build_report(con, out, output_format, chart, top, estimates)
    emit(result, json_out, lambda r: f"wrote {r['out']} ({r['bytes'] / 1e6:.2f} MB, {len(r['charts'])} charts)")
