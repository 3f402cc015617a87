"""Security: a planted token reaches no artefact of any verb; the fake Hub binds loopback only.

Strings are searched where they are readable: stdout/stderr of every command (tracebacks with
--debug included), every text file, and every row of every table of the database and of the
Parquet export, cast to text (DuckDB and Parquet compress strings, so grepping their bytes
alone would prove little).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from hfscan.testing.fakehub import FakeHub
from tests.crawl.helpers import CliResult, run_cli, scan_args

TOKEN = "hf_AnotherPlantedSecret9876543210zyxwvu"


def _rows_containing(con: duckdb.DuckDBPyConnection, relation: str, needle: str) -> int:
    # A row cast to VARCHAR is the text of all its columns (lists and structs included).
    return con.execute(f"SELECT count(*) FROM {relation} AS r WHERE contains(CAST(r AS VARCHAR), ?)",
                       [needle]).fetchall()[0][0]


def test_a_planted_token_reaches_no_output_file_table_or_traceback(tmp_path: Path) -> None:
    db = tmp_path / "data" / "hfscan.duckdb"
    env = {"HF_TOKEN": TOKEN}
    results: list[CliResult] = []
    with FakeHub(models=1500, seed=43, hostile=True) as hub:
        hub.set_faults([{"kind": "5xx", "route": "listing", "page": 2, "count": 50, "status": [503]}])
        results.append(run_cli(scan_args(hub, db, "--page-size", "300", "--max-retries", "1"), env=env))
        assert results[-1].code == 3
        results.append(run_cli(["--debug", *scan_args(hub, db, "--page-size", "300", "--max-retries", "1")], env=env,
                                   process=True))  # the traceback as a process prints it
        assert results[-1].code != 0 and "Traceback" in results[-1].stderr
        hub.clear_faults()
        # Per-repo refusals (a bad token would stop history: tested in jobs/test_history_failures.py).
        hub.set_faults([{"kind": "401bare", "route": "commits", "every": 7, "count": 3},
                        {"kind": "5xx", "route": "resolve", "every": 5, "count": 3, "status": [500]}])
        for args in (
            scan_args(hub, db, "--page-size", "300"),
            ["history", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--as-of", "2021-12-14"],
            ["probe", "--endpoint", hub.url, "--db", str(db), "--retry-wait", "0.01", "--sample", "60"],
            ["classify", "--db", str(db)],
            ["shares", "--db", str(db), "--json"],
            ["report", "--db", str(db), "--out", str(tmp_path / "reports" / "r.html")],
            ["export", "--db", str(db), "--out", str(tmp_path / "export")],
            ["status", "--db", str(db), "--check", "--json"],
            ["sql", "--db", str(db), "SELECT * FROM scans"],
            ["explain", "--db", str(db), hub.model_ids()[0]],
            ["--debug", "sql", "--db", str(db), "SELECT * FROM nowhere"],
        ):
            results.append(run_cli(args, env=env))
        assert hub.stats().get("authorization_seen", 0) > 0  # the token did travel, as a bearer token
    assert [r.code for r in results[2:12]] == [0] * 10, [r.stderr for r in results]
    for result in results:
        assert TOKEN not in result.stdout and TOKEN not in result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".parquet" for p in files)
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), path
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()]
        assert {"scan_log", "repo_versions", "commits", "header_probes"} <= set(tables)
        for table in tables:
            assert _rows_containing(con, f'"{table}"', TOKEN) == 0, table
        # The search does find what is there (so a zero above means something).
        assert _rows_containing(con, '"scan_log"', hub.url) > 0
        export = str(tmp_path / "export" / "**" / "*.parquet")
        assert _rows_containing(con, f"read_parquet('{export}')", TOKEN) == 0
        assert _rows_containing(con, f"read_parquet('{export}')", "/") > 0
    finally:
        con.close()


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_the_fake_hub_refuses_to_listen_beyond_loopback(host: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        FakeHub(models=10, host=host)
