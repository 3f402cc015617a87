"""`hfscan report`: the self-contained HTML report, or one chart as PNG/SVG."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hfscan.cli.app import app
from hfscan.cli.common import DbOption, JsonOption, emit, open_db, writable_output
from hfscan.report import ChartName, ReportFormat


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file.")] = Path("reports/hfscan-report.html"),
    output_format: Annotated[ReportFormat | None, typer.Option(
        "--format", "-f", help="html (the whole report), png or svg (one chart); default: from --out's "
                               "extension (.png, .svg), else html. Must agree with the extension.",
        show_default=False)] = None,
    chart: Annotated[ChartName, typer.Option("--chart", help="For png/svg: which chart.")] = ChartName.headline,
    top: Annotated[int, typer.Option("--top", min=1, max=500, help="How many models in the top-N chart.")] = 30,
    as_of: Annotated[list[str] | None, typer.Option("--as-of", help="Add an as-of estimate for this date "
                                                    "(needs `hfscan history --as-of DATE`). Repeatable.")] = None,
    partial: Annotated[bool, typer.Option(
        "--partial", help="Draw as-of estimates whose 95% interval is wider than 5 points (labelled, with a "
                          "caveat) instead of refusing.")] = False,
    db: DbOption = None,
    json_out: JsonOption = False,
) -> None:
    """Write the report: headline vs 2021, snapshots, cohorts, top-N, breakdowns, transitions, methods.

    The HTML file opens offline (Vega is inlined); its size does not grow with the number of models.
    Every report and exported chart states its source at the top.

    Example: hfscan report --out reports/hfscan-report.html
    """
    from hfscan.report import build_report, format_for

    fmt = format_for(out, output_format)
    writable_output(out)
    with open_db(db) as con:
        estimates = None
        if as_of:
            from hfscan.analysis.as_of_answer import DEFAULT_MAX_WIDTH, as_of_estimates

            # --partial draws wide intervals instead of refusing.
            estimates = as_of_estimates(con, as_of, None if partial else DEFAULT_MAX_WIDTH)
        result = build_report(con, out, fmt, chart, top, estimates)
    emit(result, json_out, lambda r: f"wrote {r.out} ({r.bytes / 1e6:.2f} MB, {len(r.charts)} charts)"
         + ("; source: planted demonstration data, not the Hugging Face Hub" if r.planted else ""))
