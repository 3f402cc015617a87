"""Every chart in every format, and the export's refusals."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from hfscan.report import ChartName, ReportFormat, build_report
from tests.crawl.helpers import run_cli

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("fmt", [ReportFormat.png, ReportFormat.svg])
def test_every_chart_exports_with_its_source(built: tuple, tmp_path: Path, fmt: ReportFormat) -> None:
    """In process, one database read per chart; the scans asked for configs, so every chart has data
    (as_of with an estimate)."""
    from hfscan.analysis.as_of_answer import as_of_estimates

    _, db, _, _ = built
    con = duckdb.connect(str(db), read_only=True)
    try:
        estimates = as_of_estimates(con, ["2021-12-14"], None)  # as `report --partial`
        for chart in ChartName:
            out = tmp_path / f"{chart.value}.{fmt.value}"
            result = build_report(con, out, fmt, chart, 10, estimates)
            body = out.read_bytes()
            assert result.charts == [chart.value] and result.planted
            if fmt is ReportFormat.png:
                assert body[:8] == PNG and len(body) > 5_000, chart
            else:
                assert body.lstrip().startswith(b"<svg") and b"PLANTED DEMONSTRATION DATA" in body, chart
    finally:
        con.close()


@pytest.mark.parametrize("chart", ["weighted", "breakdowns"])
@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_the_charts_that_crashed_on_decimal_export_from_the_cli(built: tuple, tmp_path: Path, chart: str,
                                                                 fmt: str) -> None:
    _, db, _, _ = built
    out = tmp_path / f"{chart}.{fmt}"
    result = run_cli(["report", "--db", str(db), "--format", fmt, "--chart", chart, "--out", str(out)])
    assert result.code == 0 and "Decimal" not in result.stderr, result.stderr
    assert out.stat().st_size > 1_000


def test_chart_names_are_validated_and_listed(built: tuple, tmp_path: Path) -> None:
    _, db, _, _ = built
    bad = run_cli(["report", "--db", str(db), "--format", "svg", "--chart", "nope", "--out", str(tmp_path / "x.svg")])
    assert bad.code == 2 and "Traceback" not in bad.stderr and "timeline" in bad.stderr
    helped = run_cli(["report", "--help"], env={"COLUMNS": "300"})
    assert all(chart.value in helped.stdout for chart in ChartName)


def test_as_of_without_a_date_is_a_usage_error(built: tuple, tmp_path: Path) -> None:
    _, db, _, _ = built
    result = run_cli(["report", "--db", str(db), "--format", "svg", "--chart", "as_of", "--out", str(tmp_path / "a.svg")])
    assert result.code == 2 and "--as-of" in result.stderr and "unknown chart" not in result.stderr
    assert not (tmp_path / "a.svg").exists()


def test_a_format_that_contradicts_the_extension_is_refused(built: tuple, tmp_path: Path) -> None:
    _, db, _, _ = built
    out = tmp_path / "t.svg"
    result = run_cli(["report", "--db", str(db), "--format", "png", "--out", str(out)])
    assert result.code == 2 and "t.svg" in result.stderr and not out.exists()
    # Without --format, the extension decides.
    assert run_cli(["report", "--db", str(db), "--chart", "neither", "--out", str(out)]).code == 0
    assert out.read_bytes().lstrip().startswith(b"<svg")


def test_a_nul_in_a_model_id_does_not_crash_the_png_export(built: tuple, tmp_path: Path) -> None:
    """vl-convert aborted the process (exit 134) on a NUL in a label."""
    _, db, _, _ = built
    copy = tmp_path / "nul.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    con.execute("UPDATE repo_versions SET model_id = 'evil/a' || chr(0) || 'b' "
                "WHERE model_id = (SELECT model_id FROM top_models WHERE rank = 1)")
    con.close()
    out = tmp_path / "top.png"
    result = run_cli(["report", "--db", str(copy), "--format", "png", "--chart", "top_models", "--out", str(out)])
    assert result.code == 0, (result.code, result.stderr[-500:])
    assert out.read_bytes()[:8] == PNG
