"""The report: aggregates from the views (data.py) → Altair charts (charts.py) → one HTML page (page.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb


def build_report(con: duckdb.DuckDBPyConnection, out: Path, fmt: str = "html", chart: str = "headline",
                 top_n: int = 30, as_of: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Write the report (html) or one chart (png/svg); returns what was written."""
    from hfscan.errors import UsageError
    from hfscan.report import charts, data, page

    collected = data.collect(con, top_n=top_n, as_of=as_of)
    built = charts.build(collected)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        _write_whole(out, page.render(collected, built).encode("utf-8"))
        return {"out": str(out), "format": fmt, "bytes": out.stat().st_size, "charts": list(built),
                "scan_id": collected.scan_id}
    if chart not in built:
        raise UsageError(f"unknown chart {chart!r}: use one of {', '.join(built)}")
    import vl_convert

    spec = built[chart].to_dict()
    if fmt == "svg":
        _write_whole(out, vl_convert.vegalite_to_svg(spec).encode("utf-8"))
    elif fmt == "png":
        _write_whole(out, vl_convert.vegalite_to_png(spec, scale=2))
    else:
        raise UsageError(f"unknown --format {fmt!r}: use html, png or svg")
    return {"out": str(out), "format": fmt, "bytes": out.stat().st_size, "charts": [chart],
            "scan_id": collected.scan_id}


def _write_whole(out: Path, data: bytes) -> None:
    """Write `out` whole or not at all: through `<out>.tmp` and a rename (readers of a published
    report never see half a page), and the .tmp is removed when the write fails (a full disk)."""
    tmp = out.with_name(out.name + ".tmp")
    try:
        tmp.write_bytes(data)
        tmp.replace(out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
