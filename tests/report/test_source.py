"""The source banner: a report of planted data never reads as the Hub's."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import duckdb

from hfscan.config import PLANTED_HEADER, PLANTED_VALUE
from hfscan.report.source import PLANTED, REFERENCE_URL
from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli

PLANTED_LINE = PLANTED.upper()


def test_the_fake_hub_marks_every_answer_errors_included() -> None:
    with FakeHub(models=20, seed=1) as hub:
        with urllib.request.urlopen(f"{hub.url}/api/models?limit=2") as answer:
            assert answer.headers[PLANTED_HEADER] == PLANTED_VALUE
        try:
            urllib.request.urlopen(f"{hub.url}/api/models/nobody/nothing")
            raise AssertionError("a missing repo must be an error")
        except urllib.error.HTTPError as e:
            assert e.headers[PLANTED_HEADER] == PLANTED_VALUE


def test_a_scan_of_the_fake_hub_records_the_marker(built: tuple) -> None:
    _, db, _, _ = built
    assert query(db, "SELECT DISTINCT planted FROM scans WHERE status = 'complete'") == [(True,)]


def _report(db: Path, out: Path) -> str:
    result = run_cli(["report", "--db", str(db), "--out", str(out)])
    assert result.code == 0, result.stderr
    return out.read_text()


def test_the_banner_leads_the_page_with_the_endpoint_scans_version_time_and_2021_link(built: tuple) -> None:
    hub, _, out, _ = built
    page = out.read_text()
    banner = page[page.index("<header id=source"):page.index("</header>")]
    assert page.index("<header id=source") < page.index("<h1>")
    assert PLANTED_LINE in banner and hub.url in banner and 'class="planted"' in banner
    assert "scan 1 (" in banner and "scan 2 (" in banner and "hfscan " in banner and "generated " in banner
    assert REFERENCE_URL in banner


def test_a_renamed_endpoint_or_copied_database_still_says_planted(built: tuple, tmp_path: Path) -> None:
    """The marker recorded at scan time decides, not the endpoint's name."""
    _, db, _, _ = built
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    con = duckdb.connect(str(copy))
    con.execute("UPDATE scan_log SET source = 'https://huggingface.co'")
    con.close()
    page = _report(copy, tmp_path / "r.html")
    assert PLANTED_LINE in page and "the fake Hub" in page


def test_a_database_of_the_hub_says_hub_and_another_endpoint_says_planted(built: tuple, tmp_path: Path) -> None:
    _, db, _, _ = built
    hub_db = tmp_path / "hub.duckdb"
    shutil.copy(db, hub_db)
    con = duckdb.connect(str(hub_db))
    con.execute("UPDATE scan_log SET source = 'https://huggingface.co', planted = false")
    con.close()
    page = _report(hub_db, tmp_path / "hub.html")
    assert "Source: https://huggingface.co (the Hugging Face Hub" in page and PLANTED_LINE not in page

    mirror = tmp_path / "mirror.duckdb"
    shutil.copy(db, mirror)
    con = duckdb.connect(str(mirror))
    con.execute("UPDATE scan_log SET source = 'https://mirror.example/<b>x</b>', planted = false")
    con.close()
    page = _report(mirror, tmp_path / "mirror.html")
    assert PLANTED_LINE in page and "an endpoint other than https://huggingface.co" in page
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page  # data is escaped, never markup


def test_every_exported_chart_states_its_source(built: tuple, tmp_path: Path) -> None:
    hub, db, _, _ = built
    svg = tmp_path / "headline.svg"
    assert run_cli(["report", "--db", str(db), "--chart", "headline", "--out", str(svg)]).code == 0
    text = svg.read_text()
    assert "PLANTED DEMONSTRATION DATA" in text and hub.url in text


def test_dumps_imported_from_the_fake_hub_carry_the_marker(tmp_path: Path) -> None:
    from hfscan.testing.fakehub.datasets_repo import STATS_REPO

    db = tmp_path / "dumps.duckdb"
    with FakeHub(models=60, seed=5) as hub:
        env = {"HF_ENDPOINT": hub.url, "HF_HOME": str(tmp_path / "home"), "HF_TOKEN": "",
               "HF_TOKEN_PATH": str(tmp_path / "no-token"), "HF_HUB_DISABLE_TELEMETRY": "1"}
        result = run_cli(["import", "hf-dataset", "--db", str(db), STATS_REPO, "--last", "1"], env=env)
        assert result.code == 0, result.stderr
    assert query(db, "SELECT kind, planted FROM scans WHERE status = 'complete'") == [("import", True)]
