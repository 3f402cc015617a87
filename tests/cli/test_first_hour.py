"""What a new user meets in the first hour: the version, readable tables, a `status` that
says what `hfscan scan` would do before anyone runs it, suggested commands that carry the endpoint
and database they are about, and `hfscan sql` taking the README's queries that start with `--`."""

from __future__ import annotations

import re
import shutil
from importlib.metadata import version
from pathlib import Path

import duckdb
import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import query, run_cli, scan_args

MODELS = 1_200  # more than 999: counts need a thousands separator


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("first_hour") / "hfscan.duckdb"
    with FakeHub(models=MODELS, seed=3) as hub:
        assert run_cli(scan_args(hub, path)).code == 0
        return path, hub.url


def test_version_prints_the_installed_version() -> None:
    result = run_cli(["--version"])
    assert result.code == 0, result.stderr
    assert result.stdout.strip() == f"hfscan {version('hfscan')}"


def test_frameworks_show_says_vendored_once(scanned: tuple[Path, str]) -> None:
    result = run_cli(["frameworks", "show", "--db", str(scanned[0])])
    assert result.code == 0, result.stderr
    assert result.stdout.count("vendored") == 1, result.stdout


def test_status_shows_snapshot_dates_to_the_second_and_counts_with_separators(scanned: tuple[Path, str]) -> None:
    db, _ = scanned
    result = run_cli(["status", "--db", str(db)])
    assert result.code == 0, result.stderr
    header = next(line for line in result.stdout.splitlines() if "scan_id" in line)
    assert "snapshot_at" in header, header
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", result.stdout), "timestamps print with fractions of a second"
    models = query(db, "SELECT models FROM scans")[0][0]
    assert models >= 1_000
    assert f"| {models:,} " in result.stdout, result.stdout
    assert f"{query(db, 'SELECT count(*) FROM repo_versions')[0][0]:,} repo versions" in result.stdout


def test_status_of_an_import_shows_the_dump_date_not_today(scanned: tuple[Path, str], tmp_path: Path) -> None:
    db = tmp_path / "imported.duckdb"
    shutil.copy(scanned[0], db)
    con = duckdb.connect(str(db))  # an import of a dump taken on 2024-07-24 (what `import` stores)
    con.execute("UPDATE scan_log SET kind = 'import', snapshot_at = TIMESTAMP '2024-07-24 00:00:00'")
    con.close()
    result = run_cli(["status", "--db", str(db)])
    assert result.code == 0, result.stderr
    assert "2024-07-24" in result.stdout, result.stdout


def test_sql_output_drops_microseconds_and_keeps_ids_and_years_plain(scanned: tuple[Path, str]) -> None:
    result = run_cli(["sql", "--db", str(scanned[0]),
                      "SELECT scan_id, snapshot_at, models, 2021 AS year FROM scans"])
    assert result.code == 0, result.stderr
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", result.stdout), result.stdout
    assert "| 2021 " in result.stdout and "2,021" not in result.stdout, result.stdout
    assert f"{MODELS:,}"[:2] in result.stdout


def test_shares_header_dates_the_scan_to_the_second(scanned: tuple[Path, str]) -> None:
    result = run_cli(["shares", "--db", str(scanned[0])])
    assert result.code == 0, result.stderr
    assert not re.search(r"\d\d:\d\d:\d\d\.\d", result.stdout), result.stdout


def test_status_of_an_empty_database_says_what_scan_would_do(tmp_path: Path) -> None:
    from hfscan.store.connect import connect

    db = tmp_path / "empty.duckdb"
    connect(db, read_only=False).close()
    result = run_cli(["status", "--db", str(db)])
    assert result.code == 0, result.stderr
    said = result.stdout + result.stderr
    assert "run `hfscan scan`" not in said
    assert "https://huggingface.co" in said and "make demo" in said, said


def test_a_missing_database_says_what_scan_would_do(tmp_path: Path) -> None:
    result = run_cli(["status", "--db", str(tmp_path / "none.duckdb")], env={"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert result.code == 4
    assert "run `hfscan scan` first" not in result.stderr
    assert "http://127.0.0.1:9" in result.stderr and "make demo" in result.stderr, result.stderr


def test_suggested_commands_carry_the_endpoint_and_database_scanned(scanned: tuple[Path, str], tmp_path: Path) -> None:
    from hfscan.analysis.suggest import suggest

    db, url = scanned
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert suggest(con, "history --as-of 2021-12-14") == (
            f"hfscan history --as-of 2021-12-14 --endpoint {url} --db {db}")
    finally:
        con.close()
    real = tmp_path / "real.duckdb"  # the same database, as if scanned from the Hub
    shutil.copy(db, real)
    con = duckdb.connect(str(real))
    con.execute("UPDATE scan_log SET source = 'https://huggingface.co'")
    assert suggest(con, "history --as-of 2021-12-14") == f"hfscan history --as-of 2021-12-14 --db {real}"
    con.close()


def test_sql_takes_a_query_that_starts_with_a_comment(scanned: tuple[Path, str]) -> None:
    db = str(scanned[0])
    for args in (["sql", "-- 1. a comment\nSELECT 42 AS answer", "--db", db],
                 ["sql", "--db", db, "-- 1. a comment\nSELECT 42 AS answer"],
                 ["sql", "--format", "csv", "--db", db, "-- 1. a comment\nSELECT 42 AS answer"]):
        result = run_cli(args)
        assert result.code == 0, (args, result.stderr)
        assert "42" in result.stdout


def test_a_suggested_command_names_any_endpoint_but_the_hubs_quoted() -> None:
    from hfscan.analysis.suggest import with_endpoint

    assert with_endpoint("hfscan scan", "https://huggingface.co") == "hfscan scan"
    assert with_endpoint("hfscan scan", None) == "hfscan scan"
    assert with_endpoint("hfscan scan", "http://127.0.0.1:9") == "hfscan scan --endpoint http://127.0.0.1:9"
    assert with_endpoint("hfscan scan", "http://x/;rm -rf ~") == "hfscan scan --endpoint 'http://x/;rm -rf ~'"
