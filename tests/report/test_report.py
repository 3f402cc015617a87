"""The report, built from a two-snapshot fake-Hub database, opened in headless Chromium.

Numbers are checked against the fake Hub's planted truth; the page against markup injection
(a planted pipeline tag that tries to close the <script> element) and against network access.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hfscan.report.source import PLANTED
from hfscan.testing.fakehub import FakeHub
from hfscan.testing.fakehub.population import HOSTILE_TEXT
from tests.crawl.helpers import REPO_ROOT, query, run_cli, scan_args
from tests.report import scene

ARTIFACTS = REPO_ROOT / "test-artifacts"


def specs(html: str) -> dict[str, dict]:
    found = re.findall(r'<script type="application/json" data-chart="chart-([a-z_]+)">(.*?)</script>', html, re.S)
    return {name: json.loads(body) for name, body in found}


def test_every_chart_is_in_the_page_and_the_headline_equals_the_truth(built: tuple) -> None:
    hub, _, out, info = built
    html = out.read_text()
    charts = specs(html)
    assert set(charts) >= {"headline", "by_snapshot", "by_cohort", "top_models", "weighted", "breakdowns",
                           "transitions", "agreement", "neither"}
    truth = hub.truth()
    headline_rows = charts["headline"]["datasets"]
    rows = next(iter(headline_rows.values()))
    files_rows = {r["class"]: r["models"] for r in rows if r["source"].startswith("files")}
    assert files_rows == {k: truth["files"][k] for k in ("pytorch_only", "tensorflow_only", "both")}
    tags_rows = {r["class"]: r["models"] for r in rows if r["source"].startswith("tags")}
    assert tags_rows == {k: truth["tags"][k] for k in ("pytorch_only", "tensorflow_only", "both")}
    snapshot_rows = next(iter(charts["by_snapshot"]["datasets"].values()))
    first_scan = {r["class"]: r["models"] for r in snapshot_rows if r["scan_id"] == 1 and r["method"] == "files"}
    assert first_scan == {k: info["first"]["files"][k] for k in ("pytorch_only", "tensorflow_only", "both")}
    assert "Methods" in html and "2021 reference" in html


def test_the_report_leads_with_time(built: tuple) -> None:
    """First chart: the as-of series as lines with their 95% interval as a band (no hollow markers),
    PyTorch only in its own panel and TF-only / both on theirs, the complete snapshots, the 2021
    figure at 2021-12-14 labelled at the panel's edge, the naive estimate thin and faded; then the
    shares table; breakdown facets with their own x scale."""
    _, db, out, _ = built
    html = out.read_text()
    charts = specs(html)
    assert next(iter(charts)) == "timeline"
    assert html.index('id="chart-timeline"') < html.index("<table><tr><th>method")
    spec = charts["timeline"]
    rows = [r for data in spec["datasets"].values() for r in data if "series" in r]
    series = {r["series"] for r in rows}
    assert series == {"as of the date (hfscan timeline; band: 95% interval)", "naive: today's files by creation date",
                      "complete snapshot", "AssemblyAI, 14 Dec 2021"}
    stored = query(db, "SELECT strftime(day, '%Y-%m-%d'), class, models, share, share_low, share_high, exact "
                       "FROM as_of_shares WHERE class <> 'neither'")
    drawn = {(r["date"], r["class"], r["models"], r["share"], r["share_low"], r["share_high"], r["exact"])
             for r in rows if r["series"].startswith("as of")}
    assert drawn == set(stored) and any(not exact for *_, exact in stored)
    assert all(low <= share <= high for *_, share, low, high, _ in stored)
    reference = {r["class"]: r["share"] for r in rows if r["series"].startswith("AssemblyAI")}
    assert reference == {"pytorch_only": 84.0, "tensorflow_only": 8.4, "both": 7.4}
    assert {r["date"] for r in rows if r["series"].startswith("AssemblyAI")} == {"2021-12-14"}
    top, bottom = spec["vconcat"]
    assert top["title"] == "PyTorch only" and bottom["title"] == "TensorFlow only and both"
    for panel, classes in ((top, {"pytorch_only"}), (bottom, {"tensorflow_only", "both"})):
        names = {panel["data"]["name"]} if "data" in panel else {layer["data"]["name"] for layer in panel["layer"]
                                                                  if layer["mark"]["type"] == "area"}
        assert {r["class"] for name in names for r in spec["datasets"][name]} == classes  # each on its own scale
        marks = [layer["mark"] for layer in panel["layer"]]
        band = next(layer for layer in panel["layer"] if layer["mark"]["type"] == "area")
        assert band["encoding"]["y"]["field"] == "share_low" and band["encoding"]["y2"]["field"] == "share_high"
        assert not any(m["type"] == "point" and m.get("filled") is False for m in marks)  # no hollow markers
        naive = [layer for layer in panel["layer"] if layer["mark"]["type"] == "line"
                 and layer["transform"][0]["filter"]["oneOf"] == ["naive: today's files by creation date"]]
        assert naive and naive[0]["mark"]["opacity"] < 1
        dash = naive[0]["encoding"]["strokeDash"]["scale"]  # dashed: the line scale gives the naive series a dash
        assert dict(zip(dash["domain"], dash["range"], strict=True))["naive: today's files by creation date"] != [1, 0]
    label = next(layer for layer in top["layer"] if layer["mark"]["type"] == "text")
    assert label["mark"]["y"] == 2 and label["mark"]["baseline"] == "top"  # at the panel's top edge
    assert "95% interval" in html and "hollow triangles" not in html
    assert charts["breakdowns"]["resolve"]["scale"] == {"y": "independent", "x": "independent"}
    assert "<td colspan" not in html


def test_transitions_count_new_and_deleted_models(built: tuple) -> None:
    hub, db, _, info = built
    rows = query(db, "SELECT from_class, to_class, models FROM class_transitions WHERE method = 'files'")
    new = sum(n for f, _, n in rows if f == "new")
    deleted = sum(n for _, t, n in rows if t == "deleted")
    assert new == len(set(hub.model_ids())) - (info["first"]["models"] - deleted)
    assert sum(n for _, t, n in rows if t != "deleted") == hub.truth()["models"]


def test_hostile_text_never_becomes_markup(built: tuple) -> None:
    _, _, out, _ = built
    html = out.read_text()
    assert HOSTILE_TEXT not in html  # only its escaped form is in the page
    assert "\\u003c/script\\u003e\\u003cscript\\u003edocument.body.dataset.pwned" in html
    assert html.count("<script") == html.count("</script>")


def test_the_report_does_not_grow_with_models(tmp_path: Path) -> None:
    sizes = []
    for models in (300, 3000):
        db = tmp_path / f"{models}.duckdb"
        with FakeHub(models=models, seed=3) as hub:
            assert run_cli(scan_args(hub, db)).code == 0
        out = tmp_path / f"{models}.html"
        assert run_cli(["report", "--db", str(db), "--out", str(out)]).code == 0
        sizes.append(out.stat().st_size)
    assert sizes[1] < sizes[0] * 1.15, sizes


def test_png_and_svg_single_charts(built: tuple, tmp_path: Path) -> None:
    _, db, _, _ = built
    svg = tmp_path / "headline.svg"
    assert run_cli(["report", "--db", str(db), "--format", "svg", "--chart", "headline", "--out", str(svg)]).code == 0
    assert svg.read_text().lstrip().startswith("<svg")
    png = tmp_path / "cohort.png"
    assert run_cli(["report", "--db", str(db), "--format", "png", "--chart", "by_cohort", "--out", str(png)]).code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run_cli(["report", "--db", str(db), "--format", "gif", "--out", str(tmp_path / "x.gif")])
    assert bad.code == 2 and "Traceback" not in bad.stderr


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("HFSCAN_REQUIRE_BROWSER"):
            pytest.fail("chromium is required (HFSCAN_REQUIRE_BROWSER is set) but not installed")
        pytest.skip("chromium not installed (make test installs it when run as root)")
    return browser


@pytest.mark.browser
def test_every_chart_as_drawn_has_data_true_legends_and_no_colliding_text(built: tuple) -> None:
    """Read from Vega's scenegraph in Chromium (tests/report/scene.py): every chart drew data marks,
    every legend entry is a distinct symbol some drawn mark shares, no two texts overlap; the source
    banner says the data is planted."""
    _, _, out, _ = built
    drawn = scene.probe(out, chromium())
    assert not drawn.errors, drawn.errors
    assert set(drawn.items) == set(specs(out.read_text()))  # every chart on the page was read
    assert scene.empty_charts(drawn) == []
    assert [p for p in scene.legend_problems(drawn) if not p.startswith(f"{LEAD}:")] == []
    assert [p for p in scene.overlapping_texts(drawn) if not p.startswith(f"{LEAD}:")] == []
    assert drawn.source and PLANTED.upper() in drawn.source


LEAD = "timeline"  # the lead chart, rebuilt separately (as-of intervals as bands): checked on its own


@pytest.mark.browser
def test_the_lead_chart_as_drawn_has_true_legends_and_no_colliding_text(built: tuple) -> None:
    _, _, out, _ = built
    drawn = scene.probe(out, chromium())
    assert [p for p in scene.legend_problems(drawn) + scene.overlapping_texts(drawn) if p.startswith(f"{LEAD}:")] == []


@pytest.mark.browser
def test_no_chart_is_clipped_at_420_pixels(built: tuple) -> None:
    _, _, out, _ = built
    narrow = scene.probe(out, chromium(), width=420)
    assert narrow.width <= 420 and narrow.items
    assert scene.clipped_charts(narrow) == []


@pytest.mark.browser
def test_the_report_renders_in_headless_chromium_offline(built: tuple) -> None:
    browser = chromium()
    _, _, out, _ = built
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=20000", "--enable-logging=stderr",
             "--v=0", f"--user-data-dir={out.parent / 'chrome-profile'}"]
    dom = subprocess.run([*flags, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=180)
    bodies = re.findall(r"<body([^>]*)>", dom.stdout)  # the last one: Vega's source mentions "<body>" too
    assert bodies, dom.stderr[-2000:]
    attributes = dict(re.findall(r'data-([a-z]+)="([^"]*)"', bodies[-1]))
    assert attributes.get("charts") and attributes.get("rendered") == attributes["charts"], attributes
    assert "errors" not in attributes, attributes
    assert "pwned" not in attributes  # the planted tag did not run
    assert attributes.get("resources") == "0"  # no request left the page
    assert dom.stdout.count("<svg") >= int(attributes["charts"])
    first = re.search(r'<div id="chart-([a-z_]+)"[^>]*>(.*?)</div>', dom.stdout, re.S)
    assert first and first.group(1) == "timeline" and "<svg" in first.group(2)  # the lead chart drew
    assert "AssemblyAI 2021: 84 / 8.4 / 7.4" in first.group(2)
    assert "&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned" in dom.stdout  # shown as text
    console_errors = [line for line in dom.stderr.splitlines() if "CONSOLE" in line and "rror" in line]
    assert not console_errors, console_errors
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    subprocess.run([*flags, "--window-size=1200,5200", f"--screenshot={shot}", out.as_uri()],
                   capture_output=True, text=True, timeout=180)
    assert shot.exists() and shot.stat().st_size > 50_000


def test_an_estimated_date_is_named_as_an_estimate_never_as_exact() -> None:
    """A date with sampled or bounded repos (2 unknown of 50,000) is listed under the chart as an
    estimate, with what narrows its band and what no request can settle; an exact date is not."""
    from types import SimpleNamespace

    import polars as pl

    from hfscan.report.page import _timeline_caveat

    def caveat(complete: bool) -> str:
        timeline = pl.DataFrame({"day": ["2025-06-30"], "class": ["both"], "models": [10], "share": [1.0],
                                 "population": [1000], "missing": [0 if complete else 2], "complete": [complete],
                                 "scan_id": [1]})
        return _timeline_caveat(SimpleNamespace(timeline=timeline))  # type: ignore[arg-type]

    estimated = caveat(False)
    assert "are estimates, not exact: 2025-06-30" in estimated
    assert "--sample N" in estimated and "squashed" in estimated  # what narrows it, what cannot
    assert "not exact" not in caveat(True)


def test_an_inexact_as_of_figure_is_called_an_estimate_and_history_is_not_promised_to_fix_it() -> None:
    """A gated or squashed repo stays bounded whatever history fetches: the caveat must not say that
    `hfscan history` makes the figure exact (it did), and must not call bounded repos uncounted."""
    from types import SimpleNamespace

    from hfscan.report.page import _as_of_caveat

    caveat = _as_of_caveat(SimpleNamespace(as_of=[SimpleNamespace(as_of="2021-12-14", missing=1, coverage=0.9978),
                                                  SimpleNamespace(as_of="2023-06-30", missing=0, coverage=1.0)]))
    assert caveat.count("<b>Estimate:</b>") == 1 and "2021-12-14" in caveat and "2023-06-30" not in caveat
    assert "makes it exact" not in caveat and "not counted" not in caveat
    assert "stays bounded" in caveat and "95% interval" in caveat


def test_the_reports_own_queries_answer_as_the_views(built: tuple) -> None:
    """report/data.py reads the top models with a top-n sort and the transitions pair by position
    (snapshot_at_position): the same rows as the public views they stand for."""
    from hfscan.report import data
    from hfscan.store.connect import connect

    _, db, _, _ = built
    with connect(db, read_only=True) as con:
        for n in (1, 30, 100_000):
            assert con.execute(data.TOP_MODELS, [n]).fetchall() == con.execute(
                "SELECT * FROM top_models WHERE rank <= ? ORDER BY rank", [n]).fetchall(), n
        pair = data._latest_transitions(con).select("from_class", "to_class", "models").rows()
        view = con.execute("""SELECT from_class, to_class, models FROM class_transitions
                              WHERE method = 'files' AND scan_id = (SELECT scan_id FROM latest_scan)
                              ORDER BY from_class, to_class""").fetchall()
    assert pair == view and sum(n for *_, n in view) > 0
